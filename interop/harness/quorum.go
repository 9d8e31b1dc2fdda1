package harness

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// QuorumStatus is what `corosync-quorumtool -s` reports.
type QuorumStatus struct {
	Nodes         int
	NodeID        int
	RingID        string // "R.S": representative nodeid and sequence, in hex as printed
	Quorate       bool
	ExpectedVotes int
	TotalVotes    int
	Quorum        int
	Flags         string
	Members       []Member
}

// Member is one row of quorumtool's membership table.
type Member struct {
	NodeID int
	Votes  int
	Name   string
	Local  bool
}

// ParseQuorumtool parses `corosync-quorumtool -s` output. It errors when
// the output is not a status report (daemon down, refused connection).
func ParseQuorumtool(out string) (QuorumStatus, error) {
	var q QuorumStatus
	seen := map[string]bool{}
	inMembers := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if inMembers {
			if m, ok := parseMember(line); ok {
				q.Members = append(q.Members, m)
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "Nodeid") {
			inMembers = true
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		seen[key] = true
		var err error
		switch key {
		case "Nodes":
			q.Nodes, err = strconv.Atoi(val)
		case "Node ID":
			q.NodeID, err = strconv.Atoi(val)
		case "Ring ID":
			q.RingID = val
		case "Quorate":
			q.Quorate = val == "Yes"
		case "Expected votes":
			q.ExpectedVotes, err = strconv.Atoi(val)
		case "Total votes":
			q.TotalVotes, err = strconv.Atoi(val)
		case "Quorum":
			// "Quorum: 2" in the votequorum block, or "Quorum: 2 Activity
			// blocked" when inquorate.
			if f := strings.Fields(val); len(f) > 0 {
				q.Quorum, err = strconv.Atoi(f[0])
			}
		case "Flags":
			q.Flags = val
		}
		if err != nil {
			return q, fmt.Errorf("quorumtool: %q: %v", line, err)
		}
	}
	for _, k := range []string{"Nodes", "Ring ID", "Quorate"} {
		if !seen[k] {
			return q, fmt.Errorf("quorumtool: no %q line in %q", k, out)
		}
	}
	return q, nil
}

// parseMember parses "         1          1 node1 (local)".
func parseMember(line string) (Member, bool) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return Member{}, false
	}
	id, err1 := strconv.Atoi(f[0])
	v, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return Member{}, false
	}
	m := Member{NodeID: id, Votes: v, Name: f[2]}
	for _, x := range f[3:] {
		if x == "(local)" {
			m.Local = true
		}
	}
	return m, true
}
