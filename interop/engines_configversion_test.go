//go:build interop

package interop

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestEnginesConfigVersion: cmap's totem.config_version exchange between C
// and Go. A node whose config_version differs from the ring's leaves on
// its first sync, whichever implementation sent the version it got: a C
// node joining only our node, and our node joining C and Go nodes. (A
// node whose very first ring has others does not check: C's rule.) With
// equal versions everyone records everyone's in runtime.members.
func TestEnginesConfigVersion(t *testing.T) {
	cfg := fastTimers(harness.UDPU)
	cfg.TotemExtra = []string{"config_version: 3"}
	c := harness.New(t, 3, cfg)
	older := strings.Replace(c.ConfigText, "config_version: 3", "config_version: 2", 1)
	if older == c.ConfigText {
		t.Fatalf("config_version not in the generated config:\n%s", c.ConfigText)
	}
	h1, h2, h3 := c.Host(1), c.Host(2), c.Host(3)
	const mismatch = "Received config version (3) is different than my config version (2)! Exiting"

	h1.StartCorosync(harness.Go)
	h1.WaitCmap(30 * time.Second)

	// A C node with version 2 hears only our node's version 3.
	leaves := func(h *harness.Host, impl harness.Impl) {
		t.Helper()
		if err := h.WriteConfig(older); err != nil {
			t.Fatal(err)
		}
		// C checks only on a node's first sync that has a transitional
		// membership, so the node first forms a ring of its own, cut off.
		h.LinkDown()
		d := h.StartCorosync(impl)
		h.WaitCmap(30 * time.Second)
		start := time.Now()
		h.LinkUp()
		if !d.WaitExit(30 * time.Second) {
			t.Fatalf("%v on %s with config_version 2 still runs 30 s after its link came up", impl, h.Name)
		}
		b, _ := os.ReadFile(d.Out)
		if !strings.Contains(string(b), mismatch) {
			t.Errorf("%v on %s exited (%v) without %q:\n%s", impl, h.Name, d.Err(), mismatch, b)
		} else {
			t.Logf("%v on %s with config_version 2 exited %v after its link came up (%v), logging %q", impl, h.Name,
				time.Since(start).Round(time.Millisecond), d.Err(), mismatch)
		}
		if err := h.WriteConfig(c.ConfigText); err != nil {
			t.Fatal(err)
		}
	}
	leaves(h3, harness.C)

	h2.StartCorosync(harness.C)
	c.WaitConverged(time.Now(), []*harness.Host{h1, h2}, 2, 30*time.Second)
	// Ours with version 2 joins a C and a Go node with version 3.
	leaves(h3, harness.Go)

	h3.StartCorosync(harness.Go)
	c.WaitQuorate(time.Now(), c.Hosts, 3, 30*time.Second)
	for _, h := range c.Hosts {
		out := h.MustRun("corosync-cmapctl", "runtime.members.").Stdout
		for _, o := range c.Hosts {
			line := fmt.Sprintf("runtime.members.%d.config_version (u64) = 3\n", o.NodeID)
			if !strings.Contains(out, line) {
				t.Errorf("%s: corosync-cmapctl runtime.members. lacks %q:\n%s", h.Name, line, out)
			}
		}
	}
	for _, h := range c.Hosts {
		if h.Corosync().Exited() {
			t.Errorf("corosync on %s exited: %v", h.Name, h.Corosync().Err())
		}
	}
}
