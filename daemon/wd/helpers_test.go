package wd

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/internal/enginetest"
)

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
	clock   *enginetest.Clock
	logs    *enginetest.LogRec
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
	r := &rig{t: t, m: icmap.New(), clock: &enginetest.Clock{}, logs: &enginetest.LogRec{}}
	for _, p := range pre {
		for k, v := range p {
			r.set(k, v)
		}
	}
	r.w = New(Config{Map: r.m, Log: r.logs.Log, AfterFunc: r.clock.AfterFunc, Now: r.clock.Nanos,
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
