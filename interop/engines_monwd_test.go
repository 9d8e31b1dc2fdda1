//go:build interop

package interop

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/mon"
	"github.com/gorosync/gorosync/interop/harness"
)

// monwdStep is one change made with corosync-cmapctl.
type monwdStep []string

// The readings and their timestamps move; everything else must match.
var (
	reMonCurrent = regexp.MustCompile(`(?m)^(resources\.system\.(memory_used|load_15min)\.current \((u32|i32|dbl)\) = )(.*)$`)
	reMonUpdated = regexp.MustCompile(`(?m)^(resources\.system\.(memory_used|load_15min)\.last_updated \(u64\) = )([1-9][0-9]*)$`)
	// A log line's message: "<level> [SUBSYS] text" without date and pid.
	reLogMsg = regexp.MustCompile(`corosync (\w+ +\[(MON|WD|SERV) *\] (Service engine loaded: )?.*)$`)
)

// normResources blanks the readings (non-zero ones become "N", non-zero
// timestamps "T") and returns the memory_used reading for a check against
// /proc/meminfo.
func normResources(out string) (string, int) {
	mem := -1
	out = reMonCurrent.ReplaceAllStringFunc(out, func(l string) string {
		m := reMonCurrent.FindStringSubmatch(l)
		if m[4] == "0" || m[4] == "0.000000" {
			return l
		}
		if m[2] == "memory_used" {
			mem, _ = strconv.Atoi(m[4])
		}
		return m[1] + "N"
	})
	return reMonUpdated.ReplaceAllString(out, "${1}T"), mem
}

// memInfo reads /proc/meminfo as mon does.
func memInfo(t *testing.T) mon.MemInfo {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	mi, err := mon.ParseMemInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	return mi
}

// memPercentNow is the memory_used reading computed by this test.
func memPercentNow(t *testing.T) int {
	p, err := memInfo(t).PercentUsed()
	if err != nil {
		t.Fatal(err)
	}
	return int(p)
}

// holdMemory keeps a share of the machine's memory resident until the
// test ends. mon publishes and judges only readings above 0, and a quiet
// machine with much memory reads under 1 % (page cache counts as free):
// then neither daemon's memory_used moves, and whether C's or ours does
// hangs on what else the machine runs at that moment.
func holdMemory(t *testing.T, percent int64) {
	ballast := make([]byte, memInfo(t).MemTotal*1024*percent/100)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	t.Cleanup(func() { runtime.KeepAlive(ballast) })
}

// monwdLog returns the MON, WD and SERV lines written to the host's
// corosync log from offset on.
func monwdLog(t *testing.T, h *harness.Host, offset int64) []string {
	f, err := os.Open(h.Path("log", "corosync.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := reLogMsg.FindStringSubmatch(sc.Text()); m != nil && (m[2] != "SERV" || m[3] != "") {
			out = append(out, m[1])
		}
	}
	return out
}

func logSize(h *harness.Host) int64 {
	st, err := os.Stat(h.Path("log", "corosync.log"))
	if err != nil {
		return 0
	}
	return st.Size()
}

// TestMonWdOnCAndGo drives the mon and wd engines of Debian's corosync and
// of ours through the same cmapctl changes on the same configuration (a
// memory_used max of 0 % from corosync.conf, so polling starts at boot and
// fails at once: any reading is above it, where a max of 1 % made the
// outcome hang on whether memory use read 1 or 2 %; holdMemory makes sure
// there is a reading): the resources.*
// listing after every step (readings and timestamps blanked), the MON/WD
// log lines and the memory_used reading against /proc/meminfo must agree.
func TestMonWdOnCAndGo(t *testing.T) {
	cfg := harness.Config{ClusterName: "gfmonwd", NamePrefix: "gf",
		// The template's "}" closes the resources section.
		TotemExtra: []string{"}", "resources {", "watchdog_device: /dev/gf-no-such-watchdog",
			"system {", "memory_used {", "max: 0", "}", "}"}}
	holdMemory(t, 2)
	c := harness.New(t, 1, cfg)
	h := c.Host(1)
	steps := []monwdStep{
		nil,
		{"-s", "resources.system.load_15min.max", "str", "1000"}, // an ADD: mon ignores it
		{"-s", "resources.system.load_15min.max", "str", "999"},  // MODIFY: running
		{"-s", "resources.system.load_15min.max", "str", "0"},    // the reading is above: failed
		{"-s", "resources.system.memory_used.poll_period", "str", "100"},
		{"-s", "resources.system.memory_used.poll_period", "str", "1000"},
		{"-s", "resources.system.memory_used.poll_period", "str", "soon"},
		{"-s", "resources.system.memory_used.poll_period", "str", "1000"},
		{"-s", "resources.system.memory_used.poll_period", "str", "later"},
		{"-s", "resources.system.memory_used.max", "str", "100"},  // failed -> running
		{"-s", "resources.system.memory_used.max", "str", "lots"}, // running -> stopped
		{"-s", "resources.watchdog_timeout", "u32", "200"},
		{"-s", "resources.watchdog_timeout", "u32", "10"},
		{"-s", "resources.system.memory_used.recovery", "str", "none"},
		{"-s", "resources.system.memory_used.max", "str", "99"},
		{"-d", "resources.system.load_15min.max"},
		{"-d", "resources.system.load_15min.state"},
		// wd's own recovery: mon fails memory_used, wd's next check (3 s,
		// the poll_period wd read when it created the resource) sees
		// "failed" and stops tickling (no device here, so nothing resets).
		{"-s", "resources.system.memory_used.recovery", "str", "watchdog"},
		{"-s", "resources.system.memory_used.max", "str", "0"},
		{"sleep"},
	}
	listings := map[harness.Impl][]string{}
	logs := map[harness.Impl][]string{}
	for _, impl := range []harness.Impl{harness.C, harness.Go} {
		off := logSize(h)
		h.StartCorosync(impl)
		h.WaitCmap(30 * time.Second)
		for _, s := range steps {
			switch {
			case len(s) == 1 && s[0] == "sleep":
				time.Sleep(7 * time.Second)
			case s != nil:
				h.MustRun(append([]string{"corosync-cmapctl"}, s...)...)
			}
			// Changes act inside the set; give a poll no chance to race
			// the listing by reading right away.
			out := h.MustRun("corosync-cmapctl", "resources.").Stdout
			norm, mem := normResources(out)
			if mem >= 0 {
				now := memPercentNow(t)
				if mem < now-2 || mem > now+2 {
					t.Errorf("%v: memory_used.current %d, /proc/meminfo says %d", impl, mem, now)
				}
				if s == nil {
					t.Logf("%v: memory_used.current %d %%, computed from /proc/meminfo %d %%", impl, mem, now)
				}
			}
			listings[impl] = append(listings[impl], fmt.Sprintf("after %v:\n%s", s, norm))
		}
		h.StopCorosync()
		logs[impl] = monwdLog(t, h, off)
	}
	for i := range steps {
		if listings[harness.C][i] != listings[harness.Go][i] {
			t.Errorf("listing differs\n--- C %s\n--- Go %s", listings[harness.C][i], listings[harness.Go][i])
		}
	}
	t.Logf("resources.* after each step, same on C and Go:\n%s", strings.Join(listings[harness.Go], ""))
	// Each subsystem's lines must come in C's order. Between MON and WD
	// the order may differ: a state that mon writes inside a cmap change
	// reaches wd's track at once in C (nested notification) but after mon's
	// callback returns in our icmap, which never nests deliveries.
	bySubsys := func(lines []string) map[string]string {
		out := map[string][]string{}
		for _, l := range lines {
			if strings.Contains(l, "profile loading service") {
				continue // pload is not one of our engines yet
			}
			for _, ss := range []string{"[MON", "[WD", "[SERV"} {
				if strings.Contains(l, ss) {
					out[ss] = append(out[ss], l)
				}
			}
		}
		j := map[string]string{}
		for k, v := range out {
			j[k] = strings.Join(v, "\n")
		}
		return j
	}
	sc, sg := bySubsys(logs[harness.C]), bySubsys(logs[harness.Go])
	for _, ss := range []string{"[MON", "[WD", "[SERV"} {
		if sc[ss] != sg[ss] {
			t.Errorf("%s lines differ\n--- C:\n%s\n--- Go:\n%s", ss, sc[ss], sg[ss])
		} else {
			t.Logf("%s lines, same on C and Go:\n%s", ss, sg[ss])
		}
	}
	lc, lg := strings.Join(logs[harness.C], "\n"), strings.Join(logs[harness.Go], "\n")
	if lc != lg {
		t.Logf("interleaving of MON and WD differs (known, see above):\n--- C:\n%s\n--- Go:\n%s", lc, lg)
	}
	// Guard against both sides failing alike.
	for _, want := range []string{
		`[MON   ] Fsm:memory_used event "failure", state "running" --> "failed"`,
		"[WD    ] No watchdog /dev/gf-no-such-watchdog, try modprobe <a watchdog>",
		"[SERV  ] Service engine loaded: corosync watchdog service [7]",
		`[WD    ] watchdog resource "memory_used" failed!`,
		"[WD    ] NOT tickling the watchdog!",
	} {
		if !strings.Contains(lc, want) {
			t.Errorf("C log lacks %q", want)
		}
	}
}
