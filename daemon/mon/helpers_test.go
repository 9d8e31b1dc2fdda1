package mon

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

type rig struct {
	t     *testing.T
	m     *icmap.Map
	mon   *Monitor
	clock *fakeClock
	logs  *logRec
	mem   int32
	load  float64
	err   error
	fatal int
}

func newRig(t *testing.T, pre map[string]any) *rig {
	t.Helper()
	r := &rig{t: t, m: icmap.New(), clock: &fakeClock{}, logs: &logRec{}, mem: 42, load: 0.25}
	for k, v := range pre {
		if err := r.m.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	r.mon = New(Config{Map: r.m, Log: r.logs.log, AfterFunc: r.clock.AfterFunc, Now: r.clock.nanos,
		MemoryUsed: func() (int32, error) { return r.mem, r.err },
		Load15:     func() (float64, error) { return r.load, r.err },
		Fatal:      func() { r.fatal++ },
	})
	if err := r.mon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.mon.Stop)
	return r
}

// listing prints the resources.* keys as corosync-cmapctl does.
func (r *rig) listing() string {
	var b strings.Builder
	for _, e := range r.m.Snapshot("resources.") {
		v := fmt.Sprint(e.Value)
		if f, ok := e.Value.(float64); ok {
			v = fmt.Sprintf("%f", f)
		}
		fmt.Fprintf(&b, "%s (%s) = %s\n", e.Key, e.Type, v)
	}
	return b.String()
}

func (r *rig) get(key string) string {
	r.t.Helper()
	v, typ, err := r.m.Get(key)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("(%s) %f", typ, f)
	}
	return fmt.Sprintf("(%s) %v", typ, v)
}

func (r *rig) set(key string, v any) {
	r.t.Helper()
	if err := r.m.Set(key, v); err != nil {
		r.t.Fatal(err)
	}
}

func wantLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
