package wd

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosync/gorosync/daemon/csfsm"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"golang.org/x/sys/unix"
)

// Engine identity as service.c registers it.
const (
	EngineName = "corosync watchdog service"
	ServiceID  = 7
)

// Limits of wd.c.
const (
	DefaultTimeoutSec = 6
	DefaultTimeoutMs  = DefaultTimeoutSec * 1000
	MinTimeoutMs      = 500
	MaxTimeoutMs      = 120 * 1000
)

const timeoutKey = "resources.watchdog_timeout"

// Config is what the engine needs from the daemon.
type Config struct {
	Map *icmap.Map
	// Log receives the engine's lines (subsystem WD in C).
	Log func(level logsys.Level, format string, args ...any)
	// AfterFunc starts a timer; nil means time.AfterFunc.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// Now is cs_timestamp_get (CLOCK_MONOTONIC ns), the clock the
	// monitors write last_updated with.
	Now func() uint64
	// Access and Open reach the device (nil: AccessW, OpenDevice).
	Access func(path string) error
	Open   func(path string) (Device, error)
	// Reboot is reboot(2) for the "reboot" and "shutdown" recoveries
	// (nil: unix.Reboot).
	Reboot func(cmd int) error
	// Fatal is corosync_exit_error(COROSYNC_DONE_FATAL_ERR), reached only
	// by an impossible FSM transition.
	Fatal func()
}

// resource is wd.c's struct resource.
type resource struct {
	path, name   string
	recovery     string
	checkTimeout uint64 // ms
	fsm          csfsm.FSM[State, event]
	track        *icmap.Track
	check        timer
}

// timer is a corosync timer handle: stop plus a generation so a timer
// that fired before it was deleted does nothing.
type timer struct {
	stop func() bool
	gen  uint64
}

// Watchdog is the engine.
type Watchdog struct {
	cfg Config
	s   serial

	// Below: only inside s.
	timeout       uint32 // watchdog_timeout, s
	tickleTimeout uint64 // ms
	dog           Device
	device        string
	ok            bool // watchdog_ok
	tickle        timer
	res           []*resource
	tracks        []*icmap.Track

	obs        sync.Mutex // guards states (by path), for State
	states     map[string]State
	pubTimeout atomic.Uint32 // timeout, for Timeout
}

// New returns the engine; Start initializes it.
func New(cfg Config) *Watchdog {
	if cfg.Log == nil {
		cfg.Log = func(logsys.Level, string, ...any) {}
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if cfg.Now == nil {
		cfg.Now = monotonicNow
	}
	if cfg.Access == nil {
		cfg.Access = AccessW
	}
	if cfg.Open == nil {
		cfg.Open = OpenDevice
	}
	if cfg.Reboot == nil {
		cfg.Reboot = unix.Reboot
	}
	if cfg.Fatal == nil {
		cfg.Fatal = func() {}
	}
	return &Watchdog{cfg: cfg, timeout: DefaultTimeoutSec, tickleTimeout: DefaultTimeoutMs / 2, ok: true,
		states: map[string]State{}}
}

// Start is wd_exec_init_fn.
func (w *Watchdog) Start() error {
	var err error
	w.s.do(func() {
		if err = w.timeoutGetInitial(); err != nil {
			return
		}
		w.setupWatchdog()
		err = w.scanResources()
	})
	return err
}

// Exit is wd_exec_exit_fn: the magic close of an open device. The timers
// stop too, so nothing tickles a closed device. It returns once done, so
// it must not be called from a timer or track of this engine.
func (w *Watchdog) Exit() {
	done := make(chan struct{})
	defer func() { <-done }()
	w.s.do(func() {
		defer close(done)
		w.cancel(&w.tickle)
		for _, r := range w.res {
			w.cancel(&r.check)
		}
		for _, t := range w.tracks {
			_ = w.cfg.Map.TrackDelete(t)
		}
		w.tracks = nil
		if w.dog == nil {
			return
		}
		w.cfg.Log(logsys.Info, "magically closing the watchdog.")
		if err := w.dog.MagicClose(); err != nil {
			w.cfg.Log(logsys.Error, "failed to write %c to dog(%d).", 'V', w.dog.Fd())
		}
		_ = w.dog.Close()
		w.dog = nil
	})
}

// State returns the FSM state of the resource at path
// ("resources.system.memory_used.") and whether wd tracks one there.
func (w *Watchdog) State(path string) (State, bool) {
	w.obs.Lock()
	defer w.obs.Unlock()
	s, ok := w.states[path]
	return s, ok
}

// Timeout is the watchdog timeout in effect, in seconds.
func (w *Watchdog) Timeout() uint32 {
	return w.pubTimeout.Load()
}

func (w *Watchdog) publish(r *resource) {
	w.obs.Lock()
	w.states[r.path] = r.fsm.State
	w.obs.Unlock()
}

// after is api->timer_add_duration: f runs through the queue unless the
// timer was deleted meanwhile.
func (w *Watchdog) after(t *timer, ms uint64, f func()) {
	w.cancel(t)
	gen := t.gen
	t.stop = w.cfg.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
		w.s.do(func() {
			if t.gen != gen || t.stop == nil {
				return
			}
			t.stop = nil
			f()
		})
	})
}

// cancel is api->timer_delete.
func (w *Watchdog) cancel(t *timer) {
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
	t.gen++
}

// lastPart is what follows the key's last dot.
func lastPart(key string) (string, bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", false
	}
	return key[i+1:], true
}
