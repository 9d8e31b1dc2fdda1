package harness

import (
	"os"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Inputs are real outputs of Debian's corosync-quorumtool 3.1.7.
func TestParseQuorumtool(t *testing.T) {
	q, err := ParseQuorumtool(readTestdata(t, "quorumtool-s-3nodes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if q.Nodes != 3 || q.NodeID != 2 || q.RingID != "1.d" || !q.Quorate || q.ExpectedVotes != 3 ||
		q.TotalVotes != 3 || q.Quorum != 2 || q.Flags != "Quorate" || len(q.Members) != 3 {
		t.Errorf("3 nodes: %+v", q)
	}
	for i, m := range q.Members {
		if m.NodeID != i+1 || m.Votes != 1 || m.Name != "node"+string(rune('1'+i)) || m.Local != (i == 1) {
			t.Errorf("member %d: %+v", i, m)
		}
	}

	q, err = ParseQuorumtool(readTestdata(t, "quorumtool-s-inquorate.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if q.Nodes != 1 || q.Quorate || q.Quorum != 2 || q.Flags != "" || len(q.Members) != 1 || !q.Members[0].Local {
		t.Errorf("inquorate: %+v", q)
	}

	if _, err := ParseQuorumtool(readTestdata(t, "quorumtool-s-down.txt")); err == nil {
		t.Errorf("daemon-down output parsed without error")
	}
	if _, err := ParseQuorumtool("Nodes: x\nRing ID: 1.2\nQuorate: Yes\n"); err == nil {
		t.Errorf("non-numeric Nodes accepted")
	}
}

func TestParseCrmMon(t *testing.T) {
	m := ParseCrmMon(readTestdata(t, "crm_mon-1.txt"))
	if strings.Join(m.Online, " ") != "node1 node2 node3" || m.DC != "node3" || !m.Quorum {
		t.Errorf("%+v", m)
	}
	m = ParseCrmMon("Cluster Summary:\n  * Current DC: NONE\n  * Online: [ node2 ]\n  * OFFLINE: [ node1 ]\n")
	if strings.Join(m.Online, " ") != "node2" || m.DC != "" || m.Quorum {
		t.Errorf("%+v", m)
	}
}

func TestParseMemberships(t *testing.T) {
	ms := ParseMemberships([]byte(readTestdata(t, "corosync-node1.log")), time.UTC, 2026)
	var rings []string
	for _, m := range ms {
		rings = append(rings, m.RingID)
	}
	if got := strings.Join(rings, " "); got != "1.9 1.d 1.11 1.15" {
		t.Fatalf("rings %q", got)
	}
	want := time.Date(2026, time.November, 25, 1, 46, 27, 966e6, time.UTC)
	if !ms[1].At.Equal(want) {
		t.Errorf("ring 1.d at %v, want %v", ms[1].At, want)
	}
}

func TestNames(t *testing.T) {
	tag := newTag(func(string) bool { return false })
	if len(tag) != len(Prefix)+pidWidth+2 || !strings.HasPrefix(tag, Prefix) {
		t.Fatalf("tag %q", tag)
	}
	for _, name := range []string{nsName(tag, 200), vethName(tag, 200), bridgeName(tag)} {
		if len(name) > 15 {
			t.Errorf("%q longer than IFNAMSIZ-1", name)
		}
		got, pid, ok := tagOf(name)
		if !ok || got != tag || pid != os.Getpid() {
			t.Errorf("tagOf(%q) = %q, %d, %v", name, got, pid, ok)
		}
		if stale(name) {
			t.Errorf("own name %q considered stale", name)
		}
	}
	// PID 36^5-1 cannot exist (pid_max <= 2^22), so its names are stale.
	if !stale("gizzzzz00n1") {
		t.Errorf("name of a dead PID not stale")
	}
	for _, foreign := range []string{"gdm5396", "gi00abcn1x", "gi", "eth0", "gi00ab1n1"} {
		if _, _, ok := tagOf(foreign); ok || stale(foreign) {
			t.Errorf("foreign name %q taken for ours", foreign)
		}
	}
	taken := 0
	tag2 := newTag(func(string) bool { taken++; return taken < 3 })
	if taken != 3 || !strings.HasPrefix(tag2, Prefix) {
		t.Errorf("newTag retried %d times", taken)
	}
}
