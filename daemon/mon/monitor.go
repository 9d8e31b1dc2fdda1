package mon

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gorosync/gorosync/daemon/csfsm"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/wire"
)

// Engine identity as service.c registers it.
const (
	EngineName = "corosync resource monitoring service"
	ServiceID  = 6
)

// Poll periods in ms (MON_DEFAULT_PERIOD, MON_MIN_PERIOD, MON_MAX_PERIOD).
const (
	DefaultPeriod = 3000
	MinPeriod     = 500
	MaxPeriod     = 120 * 1000
)

// Config is what the engine needs from the daemon.
type Config struct {
	Map *icmap.Map
	// Log receives the engine's lines (subsystem MON in C).
	Log func(level logsys.Level, format string, args ...any)
	// AfterFunc starts a polling timer; nil means time.AfterFunc.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// Now is cs_timestamp_get: CLOCK_MONOTONIC in ns, what C writes to
	// last_updated (and what wd compares it with).
	Now func() uint64
	// MemoryUsed and Load15 read the system (nil: MemoryUsed, Load15).
	MemoryUsed func() (int32, error)
	Load15     func() (float64, error)
	// Fatal is corosync_exit_error(COROSYNC_DONE_FATAL_ERR), reached only
	// by an impossible FSM transition.
	Fatal func()
}

// resource is mon.c's struct resource_instance.
type resource struct {
	name     string
	path     string
	isDouble bool // max_type ICMAP_VALUETYPE_DOUBLE, else INT32
	maxI     int32
	maxD     float64
	period   uint64

	fsm csfsm.FSM[State, Event]

	stop  func() bool // the polling timer, nil when none
	timer uint64      // generation of the live timer; a stale one does nothing
}

// Monitor is the engine.
type Monitor struct {
	cfg Config

	mu     sync.Mutex
	res    []*resource
	tracks []*icmap.Track
	// deleting is the key whose DELETE is being handled, with its old
	// value: C's map calls the tracks before it removes the key, so the
	// reconfiguration still reads it (deleting max keeps the old max
	// until the next change).
	deleting    string
	deletingOld icmap.NotifyValue
}

// New returns the engine; Start initializes it.
func New(cfg Config) *Monitor {
	if cfg.Log == nil {
		cfg.Log = func(logsys.Level, string, ...any) {}
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if cfg.Now == nil {
		cfg.Now = MonotonicNow
	}
	if cfg.MemoryUsed == nil {
		cfg.MemoryUsed = MemoryUsed
	}
	if cfg.Load15 == nil {
		cfg.Load15 = Load15
	}
	if cfg.Fatal == nil {
		cfg.Fatal = func() {}
	}
	return &Monitor{cfg: cfg, res: []*resource{
		{name: "memory_used", path: "resources.system.memory_used.", maxI: math.MaxInt32, period: DefaultPeriod},
		{name: "load_15min", path: "resources.system.load_15min.", isDouble: true, maxD: math.MaxInt32, period: DefaultPeriod},
	}}
}

// Start is mon_exec_init_fn.
func (m *Monitor) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.res {
		if err := m.instanceInit(r); err != nil {
			return err
		}
	}
	return nil
}

// Stop cancels the polling timers and the tracks (mon.c has no exit
// function; the process just ends).
func (m *Monitor) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.res {
		m.cancel(r)
	}
	for _, t := range m.tracks {
		_ = m.cfg.Map.TrackDelete(t)
	}
	m.tracks = nil
}

// State returns a resource's FSM state ("memory_used", "load_15min").
func (m *Monitor) State(name string) (State, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.res {
		if r.name == name {
			return r.fsm.State, true
		}
	}
	return 0, false
}

// instanceInit is mon_instance_init.
func (m *Monitor) instanceInit(r *resource) error {
	mp := m.cfg.Map
	var cur any = int32(0)
	if r.isDouble {
		cur = float64(0)
	}
	if err := mp.Set(r.path+"current", cur); err != nil {
		return err
	}
	if err := mp.Set(r.path+"last_updated", uint64(0)); err != nil {
		return err
	}
	if err := mp.Set(r.path+"state", Stopped.String()); err != nil {
		return err
	}
	r.fsm = csfsm.FSM[State, Event]{Name: r.name, State: Stopped, Table: fsmTable}
	s, err := mp.GetString(r.path + "poll_period")
	v, ok := ScanU64(s)
	if err != nil || !ok {
		if err := mp.Set(r.path+"poll_period", r.period); err != nil {
			return err
		}
	} else if v >= MinPeriod && v <= MaxPeriod {
		r.period = v
	} else {
		m.cfg.Log(logsys.Warning, "Could NOT use poll_period:%d ms for resource %s", v, r.name)
	}
	m.process(r, ConfigChanged)
	t, err := mp.TrackAdd(r.path, icmap.TrackAdd|icmap.TrackModify|icmap.TrackDelete|icmap.TrackPrefix, m.keyChanged, r)
	if err != nil {
		return err
	}
	m.tracks = append(m.tracks, t)
	return nil
}

// keyChanged is mon_key_changed_cb. mon's own writes (current,
// last_updated, state) are filtered out before taking the lock: the map
// may deliver them on the writing goroutine, which holds it.
func (m *Monitor) keyChanged(ev icmap.TrackFlags, key string, _, oldV icmap.NotifyValue, ud any) {
	r := ud.(*resource)
	switch ev {
	case icmap.TrackDelete:
		m.mu.Lock()
		defer m.mu.Unlock()
		m.deleting, m.deletingOld = key, oldV
		defer func() { m.deleting, m.deletingOld = "", icmap.NotifyValue{} }()
		m.cfg.Log(logsys.Warning, "resource \"%s\" deleted from cmap!", r.name)
		m.process(r, ConfigChanged)
	case icmap.TrackModify:
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			return
		}
		if last := key[i+1:]; last != "max" && last != "poll_period" {
			return
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		m.process(r, ConfigChanged)
	}
}

// configChanged is mon_config_changed.
func (m *Monitor) configChanged(r *resource) {
	if s, err := m.getString(r.path + "poll_period"); err == nil {
		v, ok := ScanU64(s)
		if !ok {
			// C then range-checks an uninitialized variable, which Debian's
			// build reads as 0: a second warning for 0 ms follows.
			m.cfg.Log(logsys.Warning, "Could NOT use poll_period: %s (not uint64 type) for resource %s", s, r.name)
			v = 0
		}
		if v >= MinPeriod && v <= MaxPeriod {
			m.cfg.Log(logsys.Debug, "poll_period changing from:%d to %d.", r.period, v)
			r.period = v
		} else {
			m.cfg.Log(logsys.Warning, "Could NOT use poll_period:%d ms for resource %s", v, r.name)
		}
	}
	m.cancel(r)
	run := false
	if s, err := m.getString(r.path + "max"); err == nil {
		if r.isDouble {
			if v, ok := ScanDouble(s); ok {
				r.maxD, run = v, true
			} else {
				r.maxD = math.MaxInt32
				m.stateSet(r, Stopped)
			}
		} else {
			if v, ok := ScanI32(s); ok {
				r.maxI, run = v, true
			} else {
				r.maxI = math.MaxInt32
				m.stateSet(r, Stopped)
			}
		}
	}
	if run {
		m.stateSet(r, Running)
		// At once, in case the period shortened, and to start the timer.
		m.update(r)
	}
}

// getString is icmap_get_string as seen from inside a track callback.
func (m *Monitor) getString(key string) (string, error) {
	if key == m.deleting && m.deleting != "" {
		if s, ok := m.deletingOld.Data.(string); ok && m.deletingOld.Type == wire.ValueString {
			return s, nil
		}
		return "", wire.CsErrInvalidParam
	}
	return m.cfg.Map.GetString(key)
}

// update is mem_update_stats_fn / load_update_stats_fn: publish a reading
// above 0, fail the resource when it is above max, and poll again.
func (m *Monitor) update(r *resource) {
	mp := m.cfg.Map
	if r.isDouble {
		v, err := m.cfg.Load15()
		if err != nil {
			m.cfg.Log(logsys.Error, "Unable to get load stats: %v", err)
			v = -1
		}
		if v > 0 {
			_ = mp.Set(r.path+"current", v)
			_ = mp.Set(r.path+"last_updated", m.cfg.Now())
			if v > r.maxD && r.fsm.State != Failed {
				m.process(r, Failure)
			}
		}
	} else {
		v, err := m.cfg.MemoryUsed()
		if err != nil {
			m.cfg.Log(logsys.Error, "Unable to get memory stats: %v", err)
			v = -1
		}
		if v > 0 {
			// C created the key as int32 and updates it as uint32.
			_ = mp.Set(r.path+"current", uint32(v))
			_ = mp.Set(r.path+"last_updated", m.cfg.Now())
			if v > r.maxI && r.fsm.State != Failed {
				m.process(r, Failure)
			}
		}
	}
	m.schedule(r)
}

// schedule is api->timer_add_duration(period, update_stats_fn).
func (m *Monitor) schedule(r *resource) {
	m.cancel(r)
	gen := r.timer
	r.stop = m.cfg.AfterFunc(time.Duration(r.period)*time.Millisecond, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if r.timer != gen || r.stop == nil {
			return // deleted or replaced after it fired
		}
		r.stop = nil
		m.update(r)
	})
}

// cancel is api->timer_delete.
func (m *Monitor) cancel(r *resource) {
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
	r.timer++
}
