//go:build interop

package interop

import (
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestEnginesSingleNode: one node, first C corosync then ours on the same
// host and configuration. Debian's quorumtool, cfgtool, cmapctl and
// cpgtool must print the same apart from the date and the ring id.
func TestEnginesSingleNode(t *testing.T) {
	c := harness.New(t, 1, fastTimers(harness.UDPU))
	h := c.Host(1)
	cmds := [][]string{
		{"corosync-quorumtool", "-s"},
		{"corosync-quorumtool", "-l"},
		{"corosync-cfgtool", "-s"},
		{"corosync-cfgtool", "-n"},
		{"corosync-cmapctl", "runtime.members."},
		{"corosync-cmapctl", "runtime.votequorum."},
		{"corosync-cpgtool"},
	}
	out := map[harness.Impl][]string{}
	for _, impl := range []harness.Impl{harness.C, harness.Go} {
		h.StartCorosync(impl)
		h.WaitCmap(30 * time.Second)
		cv := c.WaitQuorate(time.Now(), c.Hosts, 1, 30*time.Second)
		t.Logf("%v: quorate, ring %s, %v", impl, cv.RingID, cv.Elapsed.Round(time.Millisecond))
		for _, argv := range cmds {
			r := h.MustRun(argv...)
			s := r.Stdout
			if argv[0] == "corosync-quorumtool" {
				s = quorumtoolCommon(s, false)
			}
			out[impl] = append(out[impl], s)
		}
		h.StopCorosync()
	}
	for i, argv := range cmds {
		if out[harness.C][i] != out[harness.Go][i] {
			t.Errorf("%v differs.\nC:\n%s\nGo:\n%s", argv, out[harness.C][i], out[harness.Go][i])
		} else {
			t.Logf("%v, same on C and Go:\n%s", argv, out[harness.Go][i])
		}
	}
}
