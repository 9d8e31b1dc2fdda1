package wd

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosync/gorosync/internal/enginetest"
	"golang.org/x/sys/unix"
)

// What Debian's corosync 3.1.7 logs from WD on a default node
// (interop/testdata/ring_c_udpu_2node.log), with the debug lines.
func TestDefaultNode(t *testing.T) {
	r := newRig(t, monKeys)
	r.start()
	enginetest.WantLines(t, r.logs.Take(),
		"debug The Watchdog timeout is 6 seconds",
		"debug The tickle timeout is 3000 ms",
		"warning Watchdog not enabled by configuration",
		"warning resource load_15min missing a recovery key.",
		"warning resource memory_used missing a recovery key.",
		"info no resources configured.")
	if got := r.timeoutKey(); got != "(u32) 6" {
		t.Errorf("watchdog_timeout %s", got)
	}
	if n := r.m.Len(); n != len(monKeys)+1 {
		t.Errorf("%d keys, want %d", n, len(monKeys)+1)
	}
	// The tickle timer runs even without a device.
	if p := r.clock.Pending(); len(p) != 1 || p[0] != 3*time.Second {
		t.Errorf("timers %v", p)
	}
	r.clock.Advance(10 * time.Second)
	enginetest.WantLines(t, r.logs.Take())
	// wd keeps tracking the mon resources: a state change re-reads them.
	r.set("resources.system.memory_used.state", "running")
	enginetest.WantLines(t, r.logs.Take(), "warning resource memory_used missing a recovery key.")
	r.set("resources.system.memory_used.current", uint32(12))
	enginetest.WantLines(t, r.logs.Take())
	if s, ok := r.w.State("resources.system.memory_used."); !ok || s != Stopped {
		t.Errorf("memory_used: %v %v", s, ok)
	}
}

func TestDeviceConfig(t *testing.T) {
	for _, c := range []struct {
		dev  any
		want string
	}{
		{"off", "warning Watchdog disabled by configuration"},
		{"", "warning Watchdog disabled by configuration"},
		{"/dev/gf-no-such-watchdog", "warning No watchdog /dev/gf-no-such-watchdog, try modprobe <a watchdog>"},
		{uint32(1), "warning Watchdog not enabled by configuration"},
	} {
		r := newRig(t, map[string]any{"resources.watchdog_device": c.dev})
		r.start()
		enginetest.WantLines(t, r.logs.Take(),
			"debug The Watchdog timeout is 6 seconds",
			"debug The tickle timeout is 3000 ms",
			c.want,
			"info no resources configured.")
	}
}

// The real open/ioctl/write path on a regular file: the ioctls fail
// (ENOTTY), which wd.c ignores, and the magic 'V' is written at exit.
func TestFileDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watchdog")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, map[string]any{"resources.watchdog_device": path})
	r.w.cfg.Access, r.w.cfg.Open = AccessW, OpenDevice
	r.start()
	enginetest.WantLines(t, r.logs.Take(),
		"debug The Watchdog timeout is 6 seconds",
		"debug The tickle timeout is 3000 ms",
		"info Watchdog "+path+" is now being tickled by corosync.",
		"debug ",
		"debug The Watchdog timeout is 6 seconds",
		"debug The tickle timeout is 3000 ms",
		"info no resources configured.")
	r.clock.Advance(4 * time.Second)
	r.w.Exit()
	enginetest.WantLines(t, r.logs.Take(), "info magically closing the watchdog.")
	if b, err := os.ReadFile(path); err != nil || string(b) != "V" {
		t.Errorf("device holds %q, %v", b, err)
	}
	if p := r.clock.Pending(); len(p) != 0 {
		t.Errorf("timers after exit %v", p)
	}
}

func TestFakeDevice(t *testing.T) {
	r := newRig(t)
	r.dog = &fakeDog{timeout: 30, settable: true}
	r.set("resources.watchdog_device", "/dev/watchdog")
	r.start()
	enginetest.WantLines(t, r.logs.Take(),
		"debug The Watchdog timeout is 6 seconds",
		"debug The tickle timeout is 3000 ms",
		"info Watchdog /dev/watchdog is now being tickled by corosync.",
		"debug fake dog",
		"debug The Watchdog timeout is 6 seconds",
		"debug The tickle timeout is 3000 ms",
		"info no resources configured.")
	r.clock.Advance(9 * time.Second)
	if r.dog.keepalives != 3 || r.dog.timeout != 6 {
		t.Errorf("keepalives %d timeout %d", r.dog.keepalives, r.dog.timeout)
	}
	// Same timeout as the device has: nothing to do.
	r.set("resources.watchdog_timeout", uint32(7))
	r.set("resources.watchdog_timeout", uint32(7))
	enginetest.WantLines(t, r.logs.Take(), "debug The Watchdog timeout is 7 seconds", "debug The tickle timeout is 3500 ms")
	r.w.Exit()
	if r.dog.magic != 1 || !r.dog.closed {
		t.Errorf("magic %d closed %v", r.dog.magic, r.dog.closed)
	}
}

func TestUntrainedDevice(t *testing.T) {
	r := newRig(t)
	r.dog = &fakeDog{timeout: 30}
	r.set("resources.watchdog_device", "/dev/watchdog")
	r.start()
	got := r.logs.Take()
	if len(got) != 6 || got[4] != "warning Could not change the Watchdog timeout from 30 to 6 seconds" {
		t.Errorf("logs %q", got)
	}
	if r.w.Timeout() != 30 {
		t.Errorf("timeout %d", r.w.Timeout())
	}
	// The key keeps what was asked; the tickle keeps its 3 s.
	if got := r.timeoutKey(); got != "(u32) 6" {
		t.Errorf("watchdog_timeout %s", got)
	}
	if p := r.clock.Pending(); len(p) != 1 || p[0] != 3*time.Second {
		t.Errorf("timers %v", p)
	}
}

func TestTimeoutKey(t *testing.T) {
	r := newRig(t, map[string]any{"resources.watchdog_timeout": uint32(1)})
	r.start()
	enginetest.WantLines(t, r.logs.Take(),
		"warning Set watchdog_timeout is out of range (2..120).",
		"info use default value 6 seconds.",
		"debug The Watchdog timeout is 6 seconds",
		"debug The tickle timeout is 3000 ms",
		"warning Watchdog not enabled by configuration",
		"info no resources configured.")
	if got := r.timeoutKey(); got != "(u32) 6" {
		t.Errorf("watchdog_timeout %s", got)
	}
	r.set("resources.watchdog_timeout", uint32(10))
	enginetest.WantLines(t, r.logs.Take(), "debug The Watchdog timeout is 10 seconds", "debug The tickle timeout is 5000 ms")
	if p := r.clock.Pending(); len(p) != 1 || p[0] != 5*time.Second {
		t.Errorf("timers %v", p)
	}
	// Out of range or of another type: put back, which is a MODIFY too.
	r.set("resources.watchdog_timeout", uint32(121))
	enginetest.WantLines(t, r.logs.Take(), "warning Set watchdog_timeout is out of range (2..120).",
		"debug The Watchdog timeout is 10 seconds", "debug The tickle timeout is 5000 ms")
	r.set("resources.watchdog_timeout", "20")
	enginetest.WantLines(t, r.logs.Take(), "warning Set watchdog_timeout is out of range (2..120).",
		"debug The Watchdog timeout is 10 seconds", "debug The tickle timeout is 5000 ms")
	if got := r.timeoutKey(); got != "(u32) 10" {
		t.Errorf("watchdog_timeout %s", got)
	}
	// Not tracked: a delete.
	if err := r.m.Delete("resources.watchdog_timeout"); err != nil {
		t.Fatal(err)
	}
	enginetest.WantLines(t, r.logs.Take())
}

// A fully configured resource is checked every poll period; when its
// monitor stops writing last_updated the recovery runs.
func TestResourceWatchdogRecovery(t *testing.T) {
	r := newRig(t)
	r.dog = &fakeDog{timeout: 6, settable: true}
	r.set("resources.watchdog_device", "/dev/watchdog")
	r.set("resources.process.foo.state", "running")
	r.set("resources.process.foo.recovery", "watchdog")
	r.set("resources.process.foo.poll_period", uint64(1000))
	r.set("resources.process.foo.last_updated", r.clock.Nanos())
	r.start()
	got := r.logs.Take()
	if last := got[len(got)-1]; last != `info Fsm:foo event "config_changed", state "stopped" --> "running"` {
		t.Errorf("logs %q", got)
	}
	// First check after max(2 periods, 6 s).
	if p := r.clock.Pending(); len(p) != 2 || p[1] != 6*time.Second {
		t.Fatalf("timers %v", p)
	}
	for i := 0; i < 6; i++ {
		r.clock.Advance(time.Second)
		r.set("resources.process.foo.last_updated", r.clock.Nanos())
	}
	r.clock.Advance(time.Second)
	enginetest.WantLines(t, r.logs.Take())
	before := r.dog.keepalives
	// Last written at 6 s: the check at 8 s is 500 ms past 1.5 periods.
	r.clock.Advance(time.Second)
	enginetest.WantLines(t, r.logs.Take(),
		"error last_updated 500 ms too late, period:1000.",
		`crit watchdog resource "foo" failed!`,
		`info Fsm:foo event "failure", state "running" --> "failed"`)
	r.clock.Advance(6 * time.Second)
	enginetest.WantLines(t, r.logs.Take(), "alert NOT tickling the watchdog!")
	if before != 2 || r.dog.keepalives != before {
		t.Errorf("keepalives %d -> %d", before, r.dog.keepalives)
	}
	if p := r.clock.Pending(); len(p) != 0 {
		t.Errorf("timers %v", p)
	}
	if s, _ := r.w.State("resources.process.foo."); s != Failed {
		t.Errorf("state %v", s)
	}
}

func TestResourceRecoveries(t *testing.T) {
	for rec, want := range map[string][]int{
		"reboot":   {unix.LINUX_REBOOT_CMD_RESTART},
		"shutdown": {unix.LINUX_REBOOT_CMD_POWER_OFF},
		"none":     nil,
	} {
		r := newRig(t)
		r.start()
		r.logs.Take()
		// Created at run time by the state key, then configured.
		r.set("resources.system.bar.state", "running")
		r.set("resources.system.bar.last_updated", uint64(0))
		r.set("resources.system.bar.recovery", rec)
		enginetest.WantLines(t, r.logs.Take(),
			"warning resource bar missing a recovery key.",
			`info Fsm:bar event "config_changed", state "stopped" --> "running"`)
		if got, _, _ := r.m.Get("resources.system.bar.poll_period"); got != uint64(DefaultTimeoutMs) {
			t.Errorf("poll_period %v", got)
		}
		r.clock.Advance(6 * time.Second)
		enginetest.WantLines(t, r.logs.Take())
		// A failed state counts only once last_updated is not 0.
		r.set("resources.system.bar.last_updated", r.clock.Nanos())
		r.set("resources.system.bar.state", "failed")
		// A state change restarts the check timer.
		r.clock.Advance(6 * time.Second)
		enginetest.WantLines(t, r.logs.Take(),
			"crit "+rec+` resource "bar" failed!`,
			`info Fsm:bar event "failure", state "running" --> "failed"`)
		if len(r.reboots) != len(want) || (len(want) == 1 && r.reboots[0] != want[0]) {
			t.Errorf("%s: reboots %v want %v", rec, r.reboots, want)
		}
		// Stopped by its monitor, then gone.
		r.set("resources.system.bar.state", "stopped")
		enginetest.WantLines(t, r.logs.Take(), `info Fsm:bar event "config_changed", state "failed" --> "stopped"`)
		if err := r.m.Delete("resources.system.bar.state"); err != nil {
			t.Fatal(err)
		}
		enginetest.WantLines(t, r.logs.Take(), `warning resource "bar" deleted from cmap!`)
		if _, ok := r.w.State("resources.system.bar."); ok {
			t.Error("resource still tracked")
		}
		r.set("resources.system.bar.recovery", "quit")
		enginetest.WantLines(t, r.logs.Take())
	}
}

func TestParseStateKey(t *testing.T) {
	for key, want := range map[string]string{
		"resources.system.memory_used.state":  "system memory_used",
		"resources.process.x.state.more":      "process x",
		"resources.system.memory_used.statex": "",
		"resources.system.memory_used.max":    "",
		"resources.watchdog_timeout":          "",
		"resources..x.state":                  "",
		"resources.a..state":                  "",
		"resources.a.b.":                      "",
		"resources.a.b":                       "",
		"system.a.b.state":                    "",
		"resources.system.memory_used.state.": "system memory_used",
	} {
		typ, name, ok := ParseStateKey(key)
		got := ""
		if ok {
			got = typ + " " + name
		}
		if got != want {
			t.Errorf("%q: %q want %q", key, got, want)
		}
	}
}

func FuzzParseStateKey(f *testing.F) {
	for _, s := range []string{"resources.system.memory_used.state", "resources.a.b.state.c", "resources...", "resources.a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		typ, name, ok := ParseStateKey(key)
		if !ok {
			return
		}
		p := "resources." + typ + "." + name + ".state"
		if typ == "" || name == "" || len(key) < len(p) || key[:len(p)] != p {
			t.Fatalf("%q -> %q %q", key, typ, name)
		}
	})
}
