//go:build interop

package interop

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestEnginesAllGoVsAllC: the same three hosts run a C ring, then a Go
// ring. On every host Debian's tools must print what they printed there
// for C, apart from the date and the ring id.
func TestEnginesAllGoVsAllC(t *testing.T) {
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	cmds := [][]string{
		{"corosync-quorumtool", "-s"},
		{"corosync-cfgtool", "-s"},
		{"corosync-cfgtool", "-n"},
		{"corosync-cmapctl", "runtime.members."},
		{"corosync-cmapctl", "runtime.votequorum."},
		{"corosync-cpgtool"},
	}
	out := map[harness.Impl]map[string]string{}
	for _, impl := range []harness.Impl{harness.C, harness.Go} {
		c.StartAll(impl)
		cv := c.WaitQuorate(time.Now(), c.Hosts, 3, 60*time.Second)
		t.Logf("%v ring %s quorate on all after %v", impl, cv.RingID, cv.Elapsed.Round(time.Millisecond))
		out[impl] = map[string]string{}
		for _, h := range c.Hosts {
			for _, argv := range cmds {
				s := h.MustRun(argv...).Stdout
				if argv[0] == "corosync-quorumtool" {
					s = quorumtoolCommon(s, false)
				}
				out[impl][fmt.Sprint(h.Name, argv)] = s
			}
		}
		for _, h := range c.Hosts {
			h.StopCorosync()
		}
	}
	same := 0
	for k, sc := range out[harness.C] {
		if sg := out[harness.Go][k]; sg != sc {
			t.Errorf("%s differs.\nC:\n%s\nGo:\n%s", k, sc, sg)
		} else {
			same++
		}
	}
	t.Logf("%d outputs identical; on node3 for Go:\n%s\n%s", same,
		out[harness.Go][fmt.Sprint("node3", cmds[1])], out[harness.Go][fmt.Sprint("node3", cmds[0])])
}
