package wd

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
)

// fakeClock runs AfterFunc timers when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
}

type fakeTimer struct {
	due     time.Duration
	f       func()
	stopped bool
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{due: c.now + d, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// pending returns the delays of live timers from now.
func (c *fakeClock) pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, t := range c.timers {
		if !t.stopped {
			out = append(out, t.due-c.now)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// advance moves time forward, firing due timers in order.
func (c *fakeClock) advance(d time.Duration) {
	end := c.now + d
	for {
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.stopped && t.due <= end && (next == nil || t.due < next.due) {
				next = t
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		next.stopped = true
		c.now = next.due
		c.mu.Unlock()
		next.f()
	}
}

// nanos is cs_timestamp_get on the fake clock.
func (c *fakeClock) nanos() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return uint64(c.now) + 1_000_000_000
}

type logRec struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRec) log(level logsys.Level, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level.String()+" "+fmt.Sprintf(format, args...))
}

func (l *logRec) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

func wantLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// fakeDog is a watchdog driver.
type fakeDog struct {
	mu         sync.Mutex
	timeout    int
	settable   bool
	keepalives int
	magic      int
	closed     bool
}

func (d *fakeDog) Support() (string, uint32, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var o uint32
	if d.settable {
		o = optSetTimeout
	}
	return "fake dog", o, nil
}
func (d *fakeDog) GetTimeout() (int, error) { d.mu.Lock(); defer d.mu.Unlock(); return d.timeout, nil }
func (d *fakeDog) SetTimeout(s int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.settable {
		d.timeout = s
	}
	return nil
}
func (d *fakeDog) Keepalive() error  { d.mu.Lock(); defer d.mu.Unlock(); d.keepalives++; return nil }
func (d *fakeDog) MagicClose() error { d.mu.Lock(); defer d.mu.Unlock(); d.magic++; return nil }
func (d *fakeDog) Fd() int           { return 3 }
func (d *fakeDog) Close() error      { d.mu.Lock(); defer d.mu.Unlock(); d.closed = true; return nil }

type rig struct {
	t       *testing.T
	m       *icmap.Map
	w       *Watchdog
	clock   *fakeClock
	logs    *logRec
	dog     *fakeDog
	reboots []int
}

// monKeys are the keys mon has written when wd starts on a default node.
var monKeys = map[string]any{
	"resources.system.load_15min.current":       float64(0),
	"resources.system.load_15min.last_updated":  uint64(0),
	"resources.system.load_15min.poll_period":   uint64(3000),
	"resources.system.load_15min.state":         "stopped",
	"resources.system.memory_used.current":      int32(0),
	"resources.system.memory_used.last_updated": uint64(0),
	"resources.system.memory_used.poll_period":  uint64(3000),
	"resources.system.memory_used.state":        "stopped",
}

func newRig(t *testing.T, pre ...map[string]any) *rig {
	t.Helper()
	r := &rig{t: t, m: icmap.New(), clock: &fakeClock{}, logs: &logRec{}}
	for _, p := range pre {
		for k, v := range p {
			r.set(k, v)
		}
	}
	r.w = New(Config{Map: r.m, Log: r.logs.log, AfterFunc: r.clock.AfterFunc, Now: r.clock.nanos,
		Access: func(p string) error {
			if r.dog == nil {
				return fmt.Errorf("no %s", p)
			}
			return nil
		},
		Open:   func(string) (Device, error) { return r.dog, nil },
		Reboot: func(cmd int) error { r.reboots = append(r.reboots, cmd); return nil },
		Fatal:  func() { t.Error("fatal") },
	})
	return r
}

func (r *rig) start() {
	r.t.Helper()
	if err := r.w.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(r.w.Exit)
}

func (r *rig) set(key string, v any) {
	r.t.Helper()
	if err := r.m.Set(key, v); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) timeoutKey() string {
	v, typ, err := r.m.Get("resources.watchdog_timeout")
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("(%s) %v", typ, v)
}
