// Package enginetest is test support shared by the service engines' unit
// tests (daemon/mon, daemon/wd): a manual clock for their AfterFunc and
// Now hooks, and a recorder for their log lines.
package enginetest

import (
	"sort"
	"sync"
	"time"
)

// Clock runs AfterFunc timers only when the test advances it, so timer
// order and log output are deterministic.
type Clock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*timer
}

type timer struct {
	due     time.Duration
	f       func()
	stopped bool
}

// AfterFunc has the engines' Config.AfterFunc signature: the returned
// func stops the timer and reports whether it was still live.
func (c *Clock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{due: c.now + d, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Pending returns the delays of live timers from now, shortest first.
func (c *Clock) Pending() []time.Duration {
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

// Advance moves time forward, firing due timers in order. Callbacks run
// without the clock's lock so they may add or stop timers.
func (c *Clock) Advance(d time.Duration) {
	end := c.now + d
	for {
		c.mu.Lock()
		var next *timer
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

// Nanos is cs_timestamp_get on this clock. It starts at one second so no
// reading equals the 0 last_updated holds before a resource's first poll.
func (c *Clock) Nanos() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return uint64(c.now) + 1_000_000_000
}
