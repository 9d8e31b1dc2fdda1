//go:build interop

package interop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// mixedLayouts are the mixed rings the engines tests run on.
var mixedLayouts = []struct {
	name  string
	impls []harness.Impl
}{
	{"CCGo", []harness.Impl{harness.C, harness.C, harness.Go}},
	{"CGoGo", []harness.Impl{harness.C, harness.Go, harness.Go}},
}

// startLayout starts host i with impls[i] and waits until all are quorate.
func startLayout(t *testing.T, c *harness.Cluster, impls []harness.Impl) {
	t.Helper()
	for i, impl := range impls {
		c.Host(i + 1).StartCorosync(impl)
	}
	c.WaitQuorate(time.Now(), c.Hosts, len(impls), 60*time.Second)
}

// cmapValue is `corosync-cmapctl -g key`'s value.
func cmapValue(t *testing.T, h *harness.Host, key string) string {
	t.Helper()
	out := h.MustRun("corosync-cmapctl", "-g", key).Stdout
	_, v, ok := strings.Cut(strings.TrimSpace(out), " = ")
	if !ok {
		t.Fatalf("%s: corosync-cmapctl -g %s: %q", h.Name, key, out)
	}
	return v
}

// TestEnginesReloadToken: on mixed rings a reload with another token
// reaches totem on every node, C and Go: runtime.config.totem.token and
// .consensus follow, and when a node is then killed every survivor's token
// times out after the new value (C's and our "token timed out (N ms)"
// line). A file that fails the totem checks is refused everywhere and
// nothing changes.
func TestEnginesReloadToken(t *testing.T) {
	for _, l := range mixedLayouts {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			c := harness.New(t, 3, fastTimers(harness.UDPU))
			startLayout(t, c, l.impls)
			// 3 nodes: token + 1 * token_coefficient (650), consensus 1.2 * that.
			for _, h := range c.Hosts {
				if got := cmapValue(t, h, "runtime.config.totem.token"); got != "1650" {
					t.Fatalf("%s: runtime.config.totem.token %s before the reload, want 1650", h.Name, got)
				}
			}
			goNode := c.Host(3)

			bad := strings.Replace(c.ConfigText, "token: 1000", "token: 2000\n\tconsensus: 10", 1)
			good := strings.Replace(c.ConfigText, "token: 1000", "token: 2000", 1)
			if bad == c.ConfigText || good == c.ConfigText {
				t.Fatalf("no \"token: 1000\" in the generated config:\n%s", c.ConfigText)
			}
			for _, h := range c.Hosts {
				if err := h.WriteConfig(bad); err != nil {
					t.Fatal(err)
				}
			}
			for _, h := range []*harness.Host{c.Host(1), goNode} {
				r := h.RunT("corosync-cfgtool", "-R")
				if r.ExitCode != 7 || !strings.Contains(r.Stderr, "CS_ERR_INVALID_PARAM") {
					t.Errorf("%s: corosync-cfgtool -R of an invalid file: want exit 7, CS_ERR_INVALID_PARAM:\n%s", h.Name, r)
				}
			}
			for _, h := range c.Hosts {
				if got := cmapValue(t, h, "runtime.config.totem.token"); got != "1650" {
					t.Errorf("%s: runtime.config.totem.token %s after a refused reload, want 1650", h.Name, got)
				}
				if got := cmapValue(t, h, "totem.token"); got != "1000" {
					t.Errorf("%s: totem.token %s after a refused reload, want 1000", h.Name, got)
				}
			}

			for _, h := range c.Hosts {
				if err := h.WriteConfig(good); err != nil {
					t.Fatal(err)
				}
			}
			if r := goNode.RunT("corosync-cfgtool", "-R"); r.ExitCode != 0 {
				t.Fatalf("%s: corosync-cfgtool -R: %s", goNode.Name, r)
			}
			var seen []string
			for _, h := range c.Hosts {
				tok := cmapValue(t, h, "runtime.config.totem.token")
				cons := cmapValue(t, h, "runtime.config.totem.consensus")
				seen = append(seen, fmt.Sprintf("%s token %s consensus %s", h.Name, tok, cons))
				if tok != "2650" || cons != "3180" {
					t.Errorf("%s: after the reload runtime.config.totem.token %s, consensus %s; want 2650, 3180", h.Name, tok, cons)
				}
			}
			t.Logf("after corosync-cfgtool -R on %s: %s", goNode.Name, strings.Join(seen, "; "))

			// The new timers are in totem itself: kill node 1 (C) and
			// every survivor must time the token out after 2650 ms.
			victim := c.Host(1)
			killed := victim.KillCorosync()
			want := "A processor failed, forming new configuration: token timed out (2650ms), waiting 3180ms for consensus."
			for _, h := range c.Others(victim) {
				if !logHas(h, want, 30*time.Second) {
					t.Errorf("%s never logged %q after node1 was killed", h.Name, want)
				}
			}
			cv := c.WaitConverged(killed, c.Others(victim), 2, 30*time.Second)
			t.Logf("node1 killed: survivors on ring %s after %v (token 2650 + consensus 3180 ms)", cv.RingID, cv.Elapsed.Round(time.Millisecond))
			if cv.Elapsed < 2650*time.Millisecond {
				t.Errorf("new ring after %v, before the new token timeout could expire", cv.Elapsed)
			}
		})
	}
}
