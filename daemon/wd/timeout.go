package wd

import (
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
)

// timeoutGetInitial is watchdog_timeout_get_initial: a missing or
// non-u32 resources.watchdog_timeout becomes the default; an out of range
// one too, with a warning.
func (w *Watchdog) timeoutGetInitial() error {
	mp := w.cfg.Map
	v, err := icmap.GetAs[uint32](mp, timeoutKey)
	switch {
	case err != nil:
		w.apply(DefaultTimeoutSec)
		if err := mp.Set(timeoutKey, w.timeout); err != nil {
			return err
		}
	case v >= 2 && v <= 120:
		w.apply(v)
	default:
		w.cfg.Log(logsys.Warning, "Set watchdog_timeout is out of range (2..120).")
		w.cfg.Log(logsys.Info, "use default value %d seconds.", DefaultTimeoutSec)
		w.apply(DefaultTimeoutSec)
		if err := mp.Set(timeoutKey, w.timeout); err != nil {
			return err
		}
	}
	t, err := mp.TrackAdd(timeoutKey, icmap.TrackModify, func(icmap.TrackFlags, string, icmap.NotifyValue, icmap.NotifyValue, any) {
		w.s.do(w.topLevelKeyChanged)
	}, nil)
	if err != nil {
		return err
	}
	w.tracks = append(w.tracks, t)
	return nil
}

// topLevelKeyChanged is wd_top_level_key_changed: an out of range value
// is put back to the current timeout (which comes back here as another
// MODIFY and is then accepted).
func (w *Watchdog) topLevelKeyChanged() {
	if v, err := icmap.GetAs[uint32](w.cfg.Map, timeoutKey); err == nil && v >= 2 && v <= 120 {
		w.apply(v)
		return
	}
	w.cfg.Log(logsys.Warning, "Set watchdog_timeout is out of range (2..120).")
	_ = w.cfg.Map.Set(timeoutKey, w.timeout)
}

// apply is watchdog_timeout_apply. Without a device the asked timeout is
// taken as it is (C compares with 0, the "timeout" of no device).
func (w *Watchdog) apply(newTimeout uint32) {
	var original uint32
	if w.dog != nil {
		if t, err := w.dog.GetTimeout(); err == nil {
			original = uint32(t)
		}
	}
	if newTimeout == original {
		return
	}
	w.timeout = newTimeout
	if w.dog != nil {
		if _, opts, err := w.dog.Support(); err == nil && opts&optSetTimeout != 0 {
			_ = w.dog.SetTimeout(int(w.timeout))
		}
		if t, err := w.dog.GetTimeout(); err == nil {
			w.timeout = uint32(t)
		}
	}
	w.pubTimeout.Store(w.timeout)
	if w.timeout != newTimeout {
		w.cfg.Log(logsys.Warning, "Could not change the Watchdog timeout from %d to %d seconds", original, newTimeout)
		return
	}
	w.tickleTimeout = uint64(w.timeout) * 1000 / 2
	// Restarted in case it was shortened.
	w.after(&w.tickle, w.tickleTimeout, w.tickleFn)
	w.cfg.Log(logsys.Debug, "The Watchdog timeout is %d seconds", w.timeout)
	w.cfg.Log(logsys.Debug, "The tickle timeout is %d ms", w.tickleTimeout)
}

// tickleFn is wd_tickle_fn: once a recovery cleared watchdog_ok the
// device is left to fire.
func (w *Watchdog) tickleFn() {
	if !w.ok {
		w.cfg.Log(logsys.Alert, "NOT tickling the watchdog!")
		return
	}
	if w.dog != nil {
		_ = w.dog.Keepalive()
	}
	w.after(&w.tickle, w.tickleTimeout, w.tickleFn)
}

// setupWatchdog is setup_watchdog.
func (w *Watchdog) setupWatchdog() {
	dev, err := w.cfg.Map.GetString("resources.watchdog_device")
	if err != nil {
		w.cfg.Log(logsys.Warning, "Watchdog not enabled by configuration")
		return
	}
	if dev == "" || dev == "off" {
		w.cfg.Log(logsys.Warning, "Watchdog disabled by configuration")
		return
	}
	w.device = dev
	if err := w.cfg.Access(dev); err != nil {
		w.cfg.Log(logsys.Warning, "No watchdog %s, try modprobe <a watchdog>", dev)
		return
	}
	d, err := w.cfg.Open(dev)
	if err != nil {
		w.cfg.Log(logsys.Warning, "Watchdog %s exists but couldn't be opened.", dev)
		return
	}
	w.dog = d
	ident, _, _ := d.Support()
	w.cfg.Log(logsys.Info, "Watchdog %s is now being tickled by corosync.", dev)
	w.cfg.Log(logsys.Debug, "%s", ident)
	w.apply(w.timeout)
	// wd.c then issues WDIOC_SETOPTIONS with WDIOS_ENABLECARD passed by
	// value instead of by pointer, which the kernel refuses (EFAULT):
	// the card is left as opening it made it.
}
