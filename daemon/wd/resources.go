package wd

import (
	"strings"

	"github.com/gorosync/gorosync/daemon/csfsm"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"golang.org/x/sys/unix"
)

// ParseStateKey is sscanf(key, "resources.%[^.].%[^.].%[^.]") followed by
// the check that the third part is "state": it returns the resource's type
// and name. As with sscanf, anything after the third part is ignored.
func ParseStateKey(key string) (typ, name string, ok bool) {
	rest, found := strings.CutPrefix(key, "resources.")
	if !found {
		return "", "", false
	}
	parts := make([]string, 0, 3)
	for len(parts) < 3 {
		i := strings.IndexByte(rest, '.')
		if i == 0 || rest == "" {
			return "", "", false
		}
		if i < 0 {
			if len(parts) < 2 {
				return "", "", false
			}
			parts = append(parts, rest)
			break
		}
		parts = append(parts, rest[:i])
		rest = rest[i+1:]
	}
	if len(parts) < 3 || parts[2] != "state" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// scanResources is wd_scan_resources.
func (w *Watchdog) scanResources() error {
	count := 0
	for _, e := range w.cfg.Map.Snapshot("resources.") {
		typ, name, ok := ParseStateKey(e.Key)
		if !ok {
			continue
		}
		if w.create("resources."+typ+"."+name+".", name) {
			count++
		}
	}
	for _, p := range []string{"resources.process.", "resources.system."} {
		t, err := w.cfg.Map.TrackAdd(p, icmap.TrackAdd|icmap.TrackPrefix, w.resourceCreated, nil)
		if err != nil {
			return err
		}
		w.tracks = append(w.tracks, t)
	}
	if count == 0 {
		w.cfg.Log(logsys.Info, "no resources configured.")
	}
	return nil
}

// resourceCreated is wd_resource_created_cb: a new state key makes a
// resource.
func (w *Watchdog) resourceCreated(ev icmap.TrackFlags, key string, _, _ icmap.NotifyValue, _ any) {
	if ev != icmap.TrackAdd {
		return
	}
	typ, name, ok := ParseStateKey(key)
	if !ok {
		return
	}
	w.s.do(func() { w.create("resources."+typ+"."+name+".", name) })
}

// create is wd_resource_create; it reports whether the resource is fully
// configured (and so watched).
func (w *Watchdog) create(path, name string) bool {
	mp := w.cfg.Map
	r := &resource{path: path, name: name, checkTimeout: DefaultTimeoutMs,
		fsm: csfsm.FSM[State, event]{Name: name, State: Stopped, Table: fsmTable}}
	w.res = append(w.res, r)
	w.publish(r)
	if v, err := icmap.GetAs[uint64](mp, path+"poll_period"); err != nil {
		_ = mp.Set(path+"poll_period", r.checkTimeout)
	} else if v >= MinTimeoutMs && v <= MaxTimeoutMs {
		r.checkTimeout = v
	} else {
		w.cfg.Log(logsys.Warning, "Could NOT use poll_period:%d ms for resource %s", v, name)
	}
	t, err := mp.TrackAdd(path, icmap.TrackAdd|icmap.TrackModify|icmap.TrackDelete|icmap.TrackPrefix, w.keyChanged, r)
	if err == nil {
		r.track = t
		w.tracks = append(w.tracks, t)
	}
	rec, err := mp.GetString(path + "recovery")
	if err != nil {
		w.cfg.Log(logsys.Warning, "resource %s missing a recovery key.", name)
		return false
	}
	r.recovery = rec
	if _, err := mp.GetString(path + "state"); err != nil {
		w.cfg.Log(logsys.Warning, "resource %s missing a state key.", name)
		return false
	}
	// The first check waits longer, for the monitor to get going.
	w.after(&r.check, max(r.checkTimeout*2, DefaultTimeoutMs), func() { w.checkFn(r) })
	w.stateSet(r, Running)
	return true
}

// keyChanged is wd_key_changed. The monitor's readings (current,
// last_updated) are not configuration.
func (w *Watchdog) keyChanged(ev icmap.TrackFlags, key string, _, _ icmap.NotifyValue, ud any) {
	r := ud.(*resource)
	last, ok := lastPart(key)
	if !ok {
		return
	}
	switch ev {
	case icmap.TrackAdd, icmap.TrackModify:
		if last == "last_updated" || last == "current" {
			return
		}
		w.s.do(func() {
			if r.track != nil {
				w.process(r, evConfigChanged)
			}
		})
	case icmap.TrackDelete:
		if last != "state" {
			return
		}
		w.s.do(func() {
			if r.track == nil {
				return
			}
			w.cfg.Log(logsys.Warning, "resource \"%s\" deleted from cmap!", r.name)
			w.cancel(&r.check)
			_ = w.cfg.Map.TrackDelete(r.track)
			r.track = nil
			for i, x := range w.res {
				if x == r {
					w.res = append(w.res[:i:i], w.res[i+1:]...)
					break
				}
			}
			w.obs.Lock()
			delete(w.states, r.path)
			w.obs.Unlock()
		})
	}
}

// configChanged is wd_config_changed.
func (w *Watchdog) configChanged(r *resource) {
	mp := w.cfg.Map
	next := r.checkTimeout
	// wd.c looks up the resource path itself here, not <path>poll_period.
	if v, err := icmap.GetAs[uint64](mp, r.path); err == nil {
		if v >= MinTimeoutMs && v <= MaxTimeoutMs {
			w.cfg.Log(logsys.Debug, "poll_period changing from:%d to %d.", r.checkTimeout, v)
			// The first timeout after a change is the longer of the two,
			// for the monitor to adjust.
			next = max(v, r.checkTimeout)
			r.checkTimeout = v
		} else {
			w.cfg.Log(logsys.Warning, "Could NOT use poll_period:%d ms for resource %s", v, r.name)
		}
	}
	rec, err := mp.GetString(r.path + "recovery")
	if err != nil {
		w.cfg.Log(logsys.Warning, "resource %s missing a recovery key.", r.name)
		w.stateSet(r, Stopped)
		return
	}
	r.recovery = rec
	state, err := mp.GetString(r.path + "state")
	if err != nil {
		w.cfg.Log(logsys.Warning, "resource %s missing a state key.", r.name)
		w.stateSet(r, Stopped)
		return
	}
	w.cancel(&r.check)
	if state == "stopped" {
		w.stateSet(r, Stopped)
		return
	}
	w.after(&r.check, next, func() { w.checkFn(r) })
	w.stateSet(r, Running)
}

// resourceFailed is wd_resource_failed: the recovery runs.
func (w *Watchdog) resourceFailed(r *resource) {
	w.cancel(&r.check)
	w.cfg.Log(logsys.Crit, "%s resource \"%s\" failed!", r.recovery, r.name)
	switch r.recovery {
	case "watchdog", "quit":
		w.ok = false
	case "reboot":
		_ = w.cfg.Reboot(unix.LINUX_REBOOT_CMD_RESTART)
	case "shutdown":
		_ = w.cfg.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	}
	w.stateSet(r, Failed)
}

// checkFn is wd_resource_check_fn.
func (w *Watchdog) checkFn(r *resource) {
	if !w.stateIsOK(r) {
		w.process(r, evFailure)
		return
	}
	w.after(&r.check, r.checkTimeout, func() { w.checkFn(r) })
}

// stateIsOK is wd_resource_state_is_ok: the monitor wrote last_updated
// within 1.5 poll periods and does not say "failed" (or "disabled").
func (w *Watchdog) stateIsOK(r *resource) bool {
	mp := w.cfg.Map
	last, err := icmap.GetAs[uint64](mp, r.path+"last_updated")
	if err != nil {
		return false
	}
	state, err := mp.GetString(r.path + "state")
	if err != nil || state == "disabled" {
		return false
	}
	if last == 0 {
		return true
	}
	now := w.cfg.Now()
	allowed := r.checkTimeout * 1_000_000 * 3 / 2
	if last+allowed < now {
		w.cfg.Log(logsys.Error, "last_updated %d ms too late, period:%d.", now/1_000_000-(last+allowed)/1_000_000, r.checkTimeout)
		return false
	}
	return state != "failed"
}
