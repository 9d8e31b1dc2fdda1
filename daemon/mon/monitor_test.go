package mon

import (
	"errors"
	"testing"
	"time"

	"github.com/gorosync/gorosync/internal/enginetest"
)

// cDefault is what `corosync-cmapctl resources.` prints on Debian's
// corosync 3.1.7 with no resources configuration (the mon keys; wd adds
// resources.watchdog_timeout).
const cDefault = `resources.system.load_15min.current (dbl) = 0.000000
resources.system.load_15min.last_updated (u64) = 0
resources.system.load_15min.poll_period (u64) = 3000
resources.system.load_15min.state (str) = stopped
resources.system.memory_used.current (i32) = 0
resources.system.memory_used.last_updated (u64) = 0
resources.system.memory_used.poll_period (u64) = 3000
resources.system.memory_used.state (str) = stopped
`

func TestDefaultNodeDoesNotPoll(t *testing.T) {
	r := newRig(t, nil)
	if got := r.listing(); got != cDefault {
		t.Errorf("keys:\n%s\nwant:\n%s", got, cDefault)
	}
	if p := r.clock.Pending(); len(p) != 0 {
		t.Errorf("timers running without max: %v", p)
	}
	r.clock.Advance(time.Minute)
	if got := r.listing(); got != cDefault {
		t.Errorf("keys changed without max:\n%s", got)
	}
	enginetest.WantLines(t, r.logs.Take())
}

// A poll_period from corosync.conf is a uint64: mon.c reads it as a
// string, fails, and writes its default over it.
func TestConfiguredPollPeriodOverwritten(t *testing.T) {
	r := newRig(t, map[string]any{"resources.system.memory_used.poll_period": uint64(10000)})
	if got := r.get("resources.system.memory_used.poll_period"); got != "(u64) 3000" {
		t.Errorf("poll_period %s", got)
	}
}

// A string poll_period in range is kept as it is and used.
func TestStringPollPeriodAtStart(t *testing.T) {
	r := newRig(t, map[string]any{
		"resources.system.memory_used.poll_period": "1000",
		"resources.system.memory_used.max":         "80",
		"resources.system.load_15min.poll_period":  "100",
	})
	if got := r.get("resources.system.memory_used.poll_period"); got != "(str) 1000" {
		t.Errorf("poll_period %s", got)
	}
	if p := r.clock.Pending(); len(p) != 1 || p[0] != time.Second {
		t.Errorf("timers %v, want [1s]", p)
	}
	// mon_config_changed reads a string poll_period again right after
	// mon_instance_init did.
	enginetest.WantLines(t, r.logs.Take(),
		`debug poll_period changing from:1000 to 1000.`,
		`info Fsm:memory_used event "config_changed", state "stopped" --> "running"`,
		`warning Could NOT use poll_period:100 ms for resource load_15min`,
		`warning Could NOT use poll_period:100 ms for resource load_15min`)
}

func TestMaxAtStartPollsAndFails(t *testing.T) {
	r := newRig(t, map[string]any{
		"resources.system.memory_used.max": "80",
		"resources.system.load_15min.max":  "1.5",
	})
	enginetest.WantLines(t, r.logs.Take(),
		`info Fsm:memory_used event "config_changed", state "stopped" --> "running"`,
		`info Fsm:load_15min event "config_changed", state "stopped" --> "running"`)
	for k, want := range map[string]string{
		"resources.system.memory_used.current":      "(u32) 42",
		"resources.system.memory_used.last_updated": "(u64) 1000000000",
		"resources.system.memory_used.state":        "(str) running",
		"resources.system.load_15min.current":       "(dbl) 0.250000",
		"resources.system.load_15min.last_updated":  "(u64) 1000000000",
		"resources.system.load_15min.state":         "(str) running",
	} {
		if got := r.get(k); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if p := r.clock.Pending(); len(p) != 2 || p[0] != 3*time.Second || p[1] != 3*time.Second {
		t.Errorf("timers %v, want two of 3s", p)
	}
	// Crossing the threshold fails the resource once.
	r.mem, r.load = 81, 2
	r.clock.Advance(3 * time.Second)
	enginetest.WantLines(t, r.logs.Take(),
		`info Fsm:memory_used event "failure", state "running" --> "failed"`,
		`info Fsm:load_15min event "failure", state "running" --> "failed"`)
	if got := r.get("resources.system.memory_used.state"); got != "(str) failed" {
		t.Errorf("state %s", got)
	}
	if got := r.get("resources.system.memory_used.last_updated"); got != "(u64) 4000000000" {
		t.Errorf("last_updated %s", got)
	}
	// Still polled while failed, without more transitions.
	r.mem = 99
	r.clock.Advance(3 * time.Second)
	enginetest.WantLines(t, r.logs.Take())
	if got := r.get("resources.system.memory_used.current"); got != "(u32) 99" {
		t.Errorf("current %s", got)
	}
	// Back to normal only by a configuration change.
	r.mem = 50
	r.clock.Advance(3 * time.Second)
	if s, _ := r.mon.State("memory_used"); s != Failed {
		t.Errorf("state %v after recovery without config change", s)
	}
	r.set("resources.system.memory_used.max", "90")
	enginetest.WantLines(t, r.logs.Take(), `info Fsm:memory_used event "config_changed", state "failed" --> "running"`)
	if got := r.get("resources.system.memory_used.state"); got != "(str) running" {
		t.Errorf("state %s", got)
	}
	if r.fatal != 0 {
		t.Errorf("fatal called %d times", r.fatal)
	}
}

// mon.c reacts to MODIFY and DELETE only: the first max (an ADD) waits
// for a change.
func TestMaxAddIgnoredModifyApplied(t *testing.T) {
	r := newRig(t, nil)
	r.set("resources.system.memory_used.max", "80")
	if s, _ := r.mon.State("memory_used"); s != Stopped {
		t.Fatalf("ADD of max moved state to %v", s)
	}
	r.set("resources.system.memory_used.max", "70")
	if s, _ := r.mon.State("memory_used"); s != Running {
		t.Fatalf("MODIFY of max left state %v", s)
	}
	if got := r.get("resources.system.memory_used.current"); got != "(u32) 42" {
		t.Errorf("current %s", got)
	}
	// A max scanf rejects stops the resource and its polling.
	r.set("resources.system.memory_used.max", "many")
	if s, _ := r.mon.State("memory_used"); s != Stopped {
		t.Errorf("bad max: state %v", s)
	}
	if p := r.clock.Pending(); len(p) != 0 {
		t.Errorf("timers after stop %v", p)
	}
	enginetest.WantLines(t, r.logs.Take(),
		`info Fsm:memory_used event "config_changed", state "stopped" --> "running"`,
		`info Fsm:memory_used event "config_changed", state "running" --> "stopped"`)
	if got := r.get("resources.system.memory_used.state"); got != "(str) stopped" {
		t.Errorf("state key %s", got)
	}
	// A max of another type is not a max at all: nothing changes, but
	// the timer is gone (C deletes it before looking at max).
	r.set("resources.system.memory_used.max", "70")
	r.set("resources.system.memory_used.max", int32(60))
	if s, _ := r.mon.State("memory_used"); s != Running {
		t.Errorf("state %v", s)
	}
	if p := r.clock.Pending(); len(p) != 0 {
		t.Errorf("timers after non-string max %v", p)
	}
}

func TestPollPeriodChange(t *testing.T) {
	r := newRig(t, map[string]any{"resources.system.load_15min.max": "10"})
	r.logs.Take()
	r.set("resources.system.load_15min.poll_period", "1500")
	if p := r.clock.Pending(); len(p) != 1 || p[0] != 1500*time.Millisecond {
		t.Errorf("timers %v", p)
	}
	r.set("resources.system.load_15min.poll_period", "200000")
	r.set("resources.system.load_15min.poll_period", "soon")
	enginetest.WantLines(t, r.logs.Take(),
		`debug poll_period changing from:3000 to 1500.`,
		`warning Could NOT use poll_period:200000 ms for resource load_15min`,
		`warning Could NOT use poll_period: soon (not uint64 type) for resource load_15min`,
		`warning Could NOT use poll_period:0 ms for resource load_15min`)
	if p := r.clock.Pending(); len(p) != 1 || p[0] != 1500*time.Millisecond {
		t.Errorf("timers %v", p)
	}
}

// C's map runs the tracks of a DELETE before the key is gone: the
// reconfiguration still sees the deleted max (seen on Debian's corosync:
// deleting load_15min.max of a failed resource logs failed --> running
// --> failed). Only the next change finds no max.
func TestDeleteReconfigures(t *testing.T) {
	r := newRig(t, map[string]any{"resources.system.memory_used.max": "80"})
	r.mem = 90
	r.clock.Advance(3 * time.Second)
	r.logs.Take()
	if err := r.m.Delete("resources.system.memory_used.max"); err != nil {
		t.Fatal(err)
	}
	enginetest.WantLines(t, r.logs.Take(),
		`warning resource "memory_used" deleted from cmap!`,
		`info Fsm:memory_used event "config_changed", state "failed" --> "running"`,
		`info Fsm:memory_used event "failure", state "running" --> "failed"`)
	if p := r.clock.Pending(); len(p) != 1 {
		t.Errorf("timers %v", p)
	}
	r.set("resources.system.memory_used.poll_period", "1000")
	if p := r.clock.Pending(); len(p) != 0 {
		t.Errorf("timers without max %v", p)
	}
	// Deleting another key reads the current max, not the deleted value.
	r.set("resources.system.memory_used.max", "95")
	r.set("resources.system.memory_used.max", "96")
	r.set("resources.system.memory_used.extra", "1")
	r.logs.Take()
	if err := r.m.Delete("resources.system.memory_used.extra"); err != nil {
		t.Fatal(err)
	}
	enginetest.WantLines(t, r.logs.Take(), `warning resource "memory_used" deleted from cmap!`,
		`debug poll_period changing from:1000 to 1000.`)
	if s, _ := r.mon.State("memory_used"); s != Running {
		t.Errorf("state %v", s)
	}
}

// Readings of 0 or below (and read errors) are not published, and the
// poll goes on.
func TestNoReading(t *testing.T) {
	r := newRig(t, nil)
	r.load = 0
	r.set("resources.system.load_15min.max", "1")
	r.set("resources.system.load_15min.max", "2")
	if got := r.get("resources.system.load_15min.last_updated"); got != "(u64) 0" {
		t.Errorf("last_updated %s", got)
	}
	r.err = errors.New("no /proc")
	r.clock.Advance(3 * time.Second)
	got := r.logs.Take()
	if len(got) != 2 || got[1] != "error Unable to get load stats: no /proc" {
		t.Errorf("logs %q", got)
	}
	if p := r.clock.Pending(); len(p) != 1 {
		t.Errorf("timers %v", p)
	}
}

// A timer stopped after it fired (waiting for the lock) does nothing.
func TestStaleTimer(t *testing.T) {
	r := newRig(t, map[string]any{"resources.system.memory_used.max": "80"})
	var fire func()
	r.mon.cfg.AfterFunc = func(_ time.Duration, f func()) func() bool { fire = f; return func() bool { return true } }
	r.set("resources.system.memory_used.max", "81") // reschedules with the capturing AfterFunc
	first := fire
	r.set("resources.system.memory_used.max", "82")
	r.mem = 99
	first()
	if s, _ := r.mon.State("memory_used"); s != Running {
		t.Errorf("stale timer polled: state %v", s)
	}
	fire()
	if s, _ := r.mon.State("memory_used"); s != Failed {
		t.Errorf("live timer did not poll: state %v", s)
	}
}
