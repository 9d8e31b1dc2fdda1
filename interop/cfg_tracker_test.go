//go:build interop

package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// The shutdown veto as Pacemaker uses it: a libcfg client tracks shutdown
// requests (testdata/cfgtool/cfgtracker.c, built against Debian's libcfg)
// and answers corosync-cfgtool -H with NO, with YES, or not at all (then
// cfg.shutdown_timeout, set to 1 s, decides), and --force overrides the
// silence. Run against the C daemon (the golden) and our engine.

// cfgCProgram builds one of our libcfg C test programs in testdata/cfgtool
// against Debian's libcfg-dev, in the test's temporary directory, and
// returns its path.
func cfgCProgram(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(os.TempDir(), fmt.Sprintf("gorosync-gf-%d-%s-%s", os.Getpid(), t.Name(), name))
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libcfg").Output()
	if err != nil {
		t.Fatalf("pkg-config libcfg (libcfg-dev is required): %v", err)
	}
	args := append([]string{"-O2", "-Wall", "-Werror", "-o", bin, "testdata/cfgtool/" + name + ".c"}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() { os.Remove(bin) })
	return bin
}

func cfgTrackerBinary(t *testing.T) string { return cfgCProgram(t, "cfgtracker") }

// cfgQuery runs testdata/cfgtool/cfgquery on h.
func cfgQuery(t *testing.T, h *harness.Host) string {
	t.Helper()
	r := h.RunT(cfgCProgram(t, "cfgquery"))
	return subnetRE.ReplaceAllString(fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.ExitCode, r.Stdout, r.Stderr), "192.168.S.")
}

// runTracked starts cfgtracker in mode for secs seconds on h, runs
// corosync-cfgtool with args once it tracks, waits for the tracker to end
// and returns both in one transcript.
func runTracked(t *testing.T, h *harness.Host, mode string, secs int, args ...string) string {
	t.Helper()
	out := h.Path("gf-tracker-" + mode + ".out")
	_ = os.Remove(out)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+20)*time.Second)
	defer cancel()
	cmd := h.Command(ctx, cfgTrackerBinary(t), mode, fmt.Sprint(secs))
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitFileHas(out, "ready ", 10*time.Second) {
		cancel()
		cmd.Wait()
		b, _ := os.ReadFile(out)
		t.Fatalf("cfgtracker did not get ready:\n%s", b)
	}
	tool := cfgTranscript(t, h, [][]string{append([]string{"corosync-cfgtool"}, args...)})
	werr := cmd.Wait()
	b, _ := os.ReadFile(out)
	return fmt.Sprintf("%s### cfgtracker %s (%v)\n%s", tool, mode, werr, b)
}

func trackerScenario(t *testing.T, h *harness.Host) string {
	t.Helper()
	h.MustRun("corosync-cmapctl", "-s", "cfg.shutdown_timeout", "u32", "1000")
	var b strings.Builder
	b.WriteString(runTracked(t, h, "no", 3, "-H"))
	b.WriteString(runTracked(t, h, "silent", 3, "-H"))
	b.WriteString(runTracked(t, h, "silent", 3, "-H", "--force"))
	return b.String()
}

func TestCfgTrackerC(t *testing.T) {
	cfgTrackerBinary(t)
	c := harness.New(t, 3, harness.Config{Transport: harness.UDPU, Token: 1000, NamePrefix: "gf"})
	n1 := c.Host(1)
	n1.StartCorosync(harness.C)
	c.WaitConverged(time.Now(), []*harness.Host{n1}, 1, 60*time.Second)
	checkGolden(t, "testdata/cfgtool/tracker.txt", trackerScenario(t, n1))
	if !n1.Corosync().WaitExit(20 * time.Second) {
		t.Error("corosync still runs after -H --force")
	}
}

func TestCfgTrackerGoEngine(t *testing.T) {
	cfgTrackerBinary(t)
	c := harness.New(t, 3, harness.Config{Transport: harness.UDPU, Token: 1000, NamePrefix: "gf"})
	n1 := c.Host(1)
	events := startCfgHelper(t, n1)
	checkGolden(t, "testdata/cfgtool/tracker.txt", trackerScenario(t, n1))
	if !waitFileHas(events, "node1 shutdown\n", 5*time.Second) {
		t.Error("no shutdown after -H --force")
	}
}
