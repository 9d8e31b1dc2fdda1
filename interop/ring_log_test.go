//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// logMembership is one membership as a daemon's log tells it: the ring id
// of "A new membership (R) was formed", the list of the "[QUORUM]
// Members[N]:" line that follows once sync has run, and whether "Completed
// service synchronization" came after it.
type logMembership struct {
	At      time.Time
	Ring    string
	Members []int
	Synced  bool
	Failed  bool // preceded by "A processor failed, forming new configuration"
}

var (
	logStampRE   = regexp.MustCompile(`^(\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}) `)
	logFormedRE  = regexp.MustCompile(`\[TOTEM \] A new membership \(([0-9a-f]+\.[0-9a-f]+)\) was formed\. Members`)
	logMembersRE = regexp.MustCompile(`\[QUORUM\] Members\[(\d+)\]:((?: \d+)*)$`)
	logSyncedRE  = regexp.MustCompile(`\[MAIN  \] Completed service synchronization, ready to provide service\.$`)
	logFailedRE  = regexp.MustCompile(`\[TOTEM \] A processor failed, forming new configuration: token timed out \(\d+ms\), waiting \d+ms for consensus\.$`)
)

// logClockSlack is how far behind the real time a log stamp may be.
const logClockSlack = 10 * time.Millisecond

// parseRingLog extracts the memberships of a corosync logfile (C and Go
// print the same lines, which is part of what is tested).
func parseRingLog(b []byte) []logMembership {
	var out []logMembership
	failed := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	year := time.Now().Year()
	for sc.Scan() {
		line := sc.Text()
		st := logStampRE.FindStringSubmatch(line)
		if st == nil {
			continue
		}
		switch {
		case logFailedRE.MatchString(line):
			failed = true
		case logFormedRE.MatchString(line):
			at, err := time.ParseInLocation("Jan _2 15:04:05.000", st[1], time.Local)
			if err != nil {
				continue
			}
			out = append(out, logMembership{At: at.AddDate(year-at.Year(), 0, 0),
				Ring: logFormedRE.FindStringSubmatch(line)[1], Failed: failed})
			failed = false
		case len(out) > 0 && logMembersRE.MatchString(line):
			m := logMembersRE.FindStringSubmatch(line)
			last := &out[len(out)-1]
			last.Members = last.Members[:0]
			for _, f := range strings.Fields(m[2]) {
				n, _ := strconv.Atoi(f)
				last.Members = append(last.Members, n)
			}
		case len(out) > 0 && logSyncedRE.MatchString(line):
			out[len(out)-1].Synced = true
		}
	}
	return out
}

func hostMemberships(h *harness.Host) []logMembership {
	b, err := os.ReadFile(h.Path("log", "corosync.log"))
	if err != nil {
		return nil
	}
	return parseRingLog(b)
}

func nodeIDs(hosts []*harness.Host) []int {
	var ids []int
	for _, h := range hosts {
		ids = append(ids, h.NodeID)
	}
	slices.Sort(ids)
	return ids
}

// waitRing waits until every host's latest membership, formed after since,
// is one ring id with exactly hosts as members and sync completed. It
// returns that ring id and the instant the last host logged it (the
// daemons' own clock, free of polling delay).
func waitRing(t *testing.T, hosts []*harness.Host, since time.Time, timeout time.Duration) (string, time.Time) {
	t.Helper()
	want := nodeIDs(hosts)
	deadline := time.Now().Add(timeout)
	for {
		var ring string
		var formed time.Time
		ok := true
		var state []string
		for i, h := range hosts {
			if d := h.Corosync(); d == nil || d.Exited() {
				t.Fatalf("corosync on %s is not running", h.Name)
			}
			ms := hostMemberships(h)
			if len(ms) == 0 {
				ok = false
				state = append(state, h.Name+": none")
				continue
			}
			last := ms[len(ms)-1]
			state = append(state, fmt.Sprintf("%s: %s %v synced=%v at %s", h.Name, last.Ring, last.Members, last.Synced, last.At.Format("15:04:05.000")))
			if i == 0 {
				ring = last.Ring
			}
			// C's stamps come from libqb's CLOCK_REALTIME_COARSE (one
			// jiffy, 4 ms here, behind) truncated to ms: allow for both.
			if last.Ring != ring || !slices.Equal(last.Members, want) || !last.Synced || last.At.Before(since.Add(-logClockSlack)) {
				ok = false
			}
			if last.At.After(formed) {
				formed = last.At
			}
		}
		if ok {
			return ring, formed
		}
		if time.Now().After(deadline) {
			t.Fatalf("hosts did not converge on one synced ring of %v within %v:\n%s", want, timeout, strings.Join(state, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// membershipCount is how many memberships each host has logged.
func membershipCount(hosts []*harness.Host) []int {
	var out []int
	for _, h := range hosts {
		out = append(out, len(hostMemberships(h)))
	}
	return out
}

// TestParseRingLog reads a log Debian's corosync 3.1.7 wrote (node 1 of a
// C + Go udpu ring that formed, then lost node 2 to a clean shutdown).
func TestParseRingLog(t *testing.T) {
	b, err := os.ReadFile("testdata/ring_c_udpu_2node.log")
	if err != nil {
		t.Fatal(err)
	}
	ms := parseRingLog(b)
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%s %v %v %v", m.Ring, m.Members, m.Synced, m.Failed))
	}
	want := []string{"1.5 [1] true false", "1.9 [1 2] true false", "1.d [1] true false"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if ms[1].At.Format("15:04:05.000") != "02:00:15.122" {
		t.Errorf("stamp %v", ms[1].At)
	}
}
