//go:build interop

package interop

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestReloadTokenFromC: TestEnginesReloadToken asks for the good reload on
// a Go node; here `corosync-cfgtool -R` runs on the C node of {C,Go,Go},
// so the Go nodes get the RELOAD_CONFIG exec message from C's cfg engine
// and must apply the new token as C does: runtime.config.totem.token and
// .consensus everywhere, and in totem itself, which shows when a Go node
// is killed and both survivors (C and Go) time the token out after the
// new value.
func TestReloadTokenFromC(t *testing.T) {
	cfg := fastTimers(harness.UDPU)
	cfg.NamePrefix = "gv"
	c := harness.New(t, 3, cfg)
	startLayout(t, c, []harness.Impl{harness.C, harness.Go, harness.Go})
	for _, h := range c.Hosts {
		if got := cmapValue(t, h, "runtime.config.totem.token"); got != "1650" {
			t.Fatalf("%s: runtime.config.totem.token %s before the reload, want 1650", h.Name, got)
		}
	}
	good := strings.Replace(c.ConfigText, "token: 1000", "token: 2000", 1)
	if good == c.ConfigText {
		t.Fatalf("no \"token: 1000\" in the generated config:\n%s", c.ConfigText)
	}
	for _, h := range c.Hosts {
		if err := h.WriteConfig(good); err != nil {
			t.Fatal(err)
		}
	}
	cNode := c.Host(1)
	if r := cNode.RunT("corosync-cfgtool", "-R"); r.ExitCode != 0 {
		t.Fatalf("%s: corosync-cfgtool -R: %s", cNode.Name, r)
	}
	var seen []string
	for _, h := range c.Hosts {
		if !logHas(h, "Config reload requested by node 1", 10*time.Second) {
			t.Errorf("%s did not log the reload requested by node 1", h.Name)
		}
		tok := cmapValue(t, h, "runtime.config.totem.token")
		cons := cmapValue(t, h, "runtime.config.totem.consensus")
		status := cmapValue(t, h, "config.reload_status")
		seen = append(seen, fmt.Sprintf("%s token %s consensus %s reload_status %s", h.Name, tok, cons, status))
		if tok != "2650" || cons != "3180" || status != "1" {
			t.Errorf("%s: after the reload runtime.config.totem.token %s, consensus %s, config.reload_status %s; want 2650, 3180, 1",
				h.Name, tok, cons, status)
		}
	}
	t.Logf("after corosync-cfgtool -R on %s: %s", cNode.Name, strings.Join(seen, "; "))

	// Totem itself: kill a Go node. Every survivor's token warning (75 %
	// of the token timeout, measured since the last token) must come
	// after about 1987 ms, not the old 1237; the node whose timer expires
	// first logs the timeout with the new value (the other survivor gets
	// its join first and says nothing, in C as here).
	victim := c.Host(3)
	killed := victim.KillCorosync()
	warning := regexp.MustCompile(`Token has not been received in (19[89]\d|20\d\d) ms `)
	for _, h := range c.Others(victim) {
		if !logMatches(h, warning, 30*time.Second) {
			t.Errorf("%s never logged a token warning after ~1987 ms (75 %% of 2650) after node3 was killed", h.Name)
		}
	}
	want := "A processor failed, forming new configuration: token timed out (2650ms), waiting 3180ms for consensus."
	found := false
	for _, h := range c.Others(victim) {
		found = found || logHas(h, want, 10*time.Second)
	}
	if !found {
		t.Errorf("no survivor logged %q after node3 was killed", want)
	}
	cv := c.WaitConverged(killed, c.Others(victim), 2, 30*time.Second)
	t.Logf("node3 killed: survivors on ring %s after %v (token 2650 + consensus 3180 ms)", cv.RingID, cv.Elapsed.Round(time.Millisecond))
	if cv.Elapsed < 2650*time.Millisecond {
		t.Errorf("new ring after %v, before the new token timeout could expire", cv.Elapsed)
	}
}

// logMatches waits until one of the host's log files matches re.
func logMatches(h *harness.Host, re *regexp.Regexp, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		for _, f := range h.LogFiles() {
			if data, err := os.ReadFile(f[1]); err == nil && re.Match(data) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}
