//go:build interop

package interop

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// Debian's corosync-cfgtool against a 3-node udpu cluster whose node3 is
// down, run on node1. The C daemon's answers are the goldens
// (testdata/cfgtool/udpu-3node-1down.txt, rewritten with
// GOROSYNC_UPDATE_GOLDEN=1); TestCfgtoolGoEngine makes the same tool talk
// to our cfg engine and compares with them.

// cfgtoolSteps are the non-destructive commands, in order.
var cfgtoolSteps = [][]string{
	{"corosync-cfgtool", "-s"},
	{"corosync-cfgtool", "-b", "-s"},
	{"corosync-cfgtool", "-n"},
	{"corosync-cfgtool", "-a", "1"},
	{"corosync-cfgtool", "-a", "3"},
	{"corosync-cfgtool", "-a", "9"},
	{"corosync-cfgtool", "-L"},
	{"corosync-cfgtool", "-k", "9"},
	{"corosync-cfgtool", "-k", "3"},
	{"corosync-cfgtool", "-R"},
	{"corosync-cmapctl", "config."},
	{"corosync-cfgtool"}, // usage
}

const cfgGoldenFile = "testdata/cfgtool/udpu-3node-1down.txt"

var subnetRE = regexp.MustCompile(`192\.168\.\d+\.`)

// cfgTranscript runs the steps on h and returns the normalized transcript.
func cfgTranscript(t *testing.T, h *harness.Host, steps [][]string) string {
	t.Helper()
	var b strings.Builder
	for _, argv := range steps {
		r := h.RunT(argv...)
		fmt.Fprintf(&b, "### %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(argv, " "), r.ExitCode, r.Stdout, r.Stderr)
	}
	return subnetRE.ReplaceAllString(b.String(), "192.168.S.")
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	if os.Getenv("GOROSYNC_UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", name)
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	if string(want) != got {
		t.Errorf("transcript differs from %s:\n%s", name, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines that differ, position by position.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, a, c)
		}
	}
	return b.String()
}

const roNotice = "Modified entry 'totem.cluster_name' in corosync.conf cannot be changed at run-time"

// reloadChange rewrites node1's corosync.conf with another token, another
// cluster name (refused at run time) and without node3, reloads and shows
// what changed.
func reloadChange(t *testing.T, c *harness.Cluster) string {
	t.Helper()
	cfg := c.Config
	cfg.Token, cfg.ClusterName = 2000, "other"
	text, err := harness.Generate(cfg, []harness.Node{c.Host(1).Node, c.Host(2).Node})
	if err != nil {
		t.Fatal(err)
	}
	n1 := c.Host(1)
	if err := n1.WriteConfig(text); err != nil {
		t.Fatal(err)
	}
	return cfgTranscript(t, n1, [][]string{
		{"corosync-cfgtool", "-R"},
		{"corosync-cmapctl", "-g", "totem.token"},
		{"corosync-cmapctl", "-g", "runtime.config.totem.token"},
		{"corosync-cmapctl", "-g", "runtime.config.totem.consensus"},
		{"corosync-cmapctl", "-g", "totem.cluster_name"},
		{"corosync-cmapctl", "nodelist."},
		{"corosync-cmapctl", "config."},
		{"corosync-cfgtool", "-s"},
		{"corosync-cfgtool", "-a", "3"},
	})
}

const invalidNotice = "Configuration is not valid: parse error in config: The consensus timeout parameter (10 ms) may not be less than (30 ms)."

// reloadInvalid reloads a file that parses but fails the totem checks
// (consensus below its minimum), shows that nothing changed, and puts the
// good file back.
func reloadInvalid(t *testing.T, c *harness.Cluster) string {
	t.Helper()
	cfg := c.Config
	cfg.TotemExtra = []string{"consensus: 10"}
	cfg.Token = 2000
	text, err := harness.Generate(cfg, []harness.Node{c.Host(1).Node, c.Host(2).Node, c.Host(3).Node})
	if err != nil {
		t.Fatal(err)
	}
	n1 := c.Host(1)
	if err := n1.WriteConfig(text); err != nil {
		t.Fatal(err)
	}
	out := cfgTranscript(t, n1, [][]string{
		{"corosync-cfgtool", "-R"},
		{"corosync-cmapctl", "totem."},
		{"corosync-cmapctl", "config."},
	})
	if err := n1.WriteConfig(c.ConfigText); err != nil {
		t.Fatal(err)
	}
	return out
}

// logHas waits until one of the host's log files contains s.
func logHas(h *harness.Host, s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		for _, f := range h.LogFiles() {
			if data, err := os.ReadFile(f[1]); err == nil && strings.Contains(string(data), s) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestCfgtoolC(t *testing.T) {
	c := harness.New(t, 3, harness.Config{Transport: harness.UDPU, Token: 1000, NamePrefix: "gf"})
	c.StartAll(harness.C)
	c.WaitConverged(time.Now(), c.Hosts, 3, 60*time.Second)
	n1, n2, n3 := c.Host(1), c.Host(2), c.Host(3)
	n3.StopCorosync()
	c.WaitConverged(time.Now(), []*harness.Host{n1, n2}, 2, 60*time.Second)

	checkGolden(t, cfgGoldenFile, cfgTranscript(t, n1, cfgtoolSteps))
	checkGolden(t, "testdata/cfgtool/cfgquery.txt", cfgQuery(t, n1))

	// A reload of a file with a syntax error keeps the old configuration.
	good, err := os.ReadFile(n1.Path("etc", "corosync.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := n1.WriteConfig(string(good) + "\ntotem {\n"); err != nil {
		t.Fatal(err)
	}
	bad := cfgTranscript(t, n1, [][]string{{"corosync-cfgtool", "-R"}, {"corosync-cmapctl", "config."}})
	if err := n1.WriteConfig(string(good)); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/cfgtool/reload-syntax-error.txt", bad)

	checkGolden(t, "testdata/cfgtool/reload-invalid.txt", reloadInvalid(t, c))
	if !logHas(n1, invalidNotice, 5*time.Second) {
		t.Errorf("node1's log lacks %q", invalidNotice)
	}
	checkGolden(t, "testdata/cfgtool/reload-change.txt", reloadChange(t, c))
	if !logHas(n1, roNotice, 5*time.Second) {
		t.Errorf("node1's log lacks %q", roNotice)
	}

	kill := cfgTranscript(t, n1, [][]string{{"corosync-cfgtool", "-k", "2"}})
	checkGolden(t, "testdata/cfgtool/kill-2.txt", kill)
	if !n2.Corosync().WaitExit(20 * time.Second) {
		t.Errorf("node2 still runs after corosync-cfgtool -k 2")
	}
	if !logHas(n2, "Killed by node 1 : Killed by corosync-cfgtool", 5*time.Second) {
		t.Errorf("node2's log lacks the kill line")
	}
	// corosync_fatal_error(COROSYNC_FATAL_ERROR_EXIT) is exit(-1).
	if !logHas(n2, "Corosync Cluster Engine exiting with status -1 at cfg.c:566.", time.Second) {
		t.Errorf("node2's log lacks the exit line")
	}
	var ee *exec.ExitError
	if err := n2.Corosync().Err(); !errors.As(err, &ee) || ee.ExitCode() != 255 {
		t.Errorf("node2 exit: %v, want status 255", err)
	}

	sd := cfgTranscript(t, n1, [][]string{{"corosync-cfgtool", "-H"}})
	checkGolden(t, "testdata/cfgtool/shutdown.txt", sd)
	if !n1.Corosync().WaitExit(20 * time.Second) {
		t.Errorf("node1 still runs after corosync-cfgtool -H")
	}
	if !logHas(n1, "Node 1 was shut down by sysadmin", 5*time.Second) {
		t.Errorf("node1's log lacks the shutdown line")
	}
	if err := n1.Corosync().Err(); err != nil {
		t.Errorf("node1 exit after -H: %v, want status 0", err)
	}
}

// The same status queries over udp (multicast): totemudp answers node
// status like totemudpu.
var cfgUDPSteps = [][]string{
	{"corosync-cfgtool", "-s"},
	{"corosync-cfgtool", "-b", "-s"},
	{"corosync-cfgtool", "-n"},
	{"corosync-cfgtool", "-a", "2"},
}

func TestCfgtoolUDPC(t *testing.T) {
	c := harness.New(t, 3, harness.Config{Transport: harness.UDP, Token: 1000, NamePrefix: "gf"})
	c.StartAll(harness.C)
	c.WaitConverged(time.Now(), c.Hosts, 3, 60*time.Second)
	n1, n2 := c.Host(1), c.Host(2)
	c.Host(3).StopCorosync()
	c.WaitConverged(time.Now(), []*harness.Host{n1, n2}, 2, 60*time.Second)
	checkGolden(t, "testdata/cfgtool/udp-3node-1down.txt", cfgTranscript(t, n1, cfgUDPSteps)+cfgQuery(t, n1))
}
