package wd

import "github.com/gorosync/gorosync/daemon/logsys"

// State is a watched resource's state in wd.c's FSM (kept in memory
// only; the resource's own state key belongs to its monitor).
type State int

// The states of enum wd_resource_state.
const (
	Running State = iota
	Failed
	Stopped
)

func (s State) String() string {
	switch s {
	case Stopped:
		return "stopped"
	case Running:
		return "running"
	case Failed:
		return "failed"
	}
	return "?"
}

type event int

const (
	evFailure event = iota
	evConfigChanged
)

func (e event) String() string {
	if e == evConfigChanged {
		return "config_changed"
	}
	return "failure"
}

// fsmEntry is one row of wd_fsm_table; nil next means no handler.
type fsmEntry struct {
	state State
	ev    event
	next  []State
}

var fsmTable = []fsmEntry{
	{Stopped, evConfigChanged, []State{Stopped, Running}},
	{Stopped, evFailure, nil},
	{Running, evConfigChanged, []State{Running, Stopped}},
	{Running, evFailure, []State{Failed}},
	{Failed, evConfigChanged, []State{Running, Stopped}},
	{Failed, evFailure, nil},
}

// process is cs_fsm_process.
func (w *Watchdog) process(r *resource, ev event) {
	for i, e := range fsmTable {
		if e.state != r.state || e.ev != ev {
			continue
		}
		r.entry = i
		switch {
		case ev == evConfigChanged:
			w.configChanged(r)
		case e.next != nil:
			w.resourceFailed(r)
		default:
			// C asserts on the NULL handler and aborts. Reachable there
			// when a check timer outlives a stop for a missing recovery
			// key; here the stale failure is logged and dropped.
			w.cfg.Log(logsys.Error, "Fsm:%s could not find event \"%s\" in state \"%s\"", r.name, ev, r.state)
		}
		return
	}
}

// stateSet is cs_fsm_state_set with wd_fsm_cb's log lines.
func (w *Watchdog) stateSet(r *resource, next State) {
	if r.state == next {
		return
	}
	e := fsmTable[r.entry]
	for _, s := range e.next {
		if s == next {
			w.cfg.Log(logsys.Info, "Fsm:%s event \"%s\", state \"%s\" --> \"%s\"", r.name, e.ev, e.state, next)
			r.state = next
			w.publish(r)
			return
		}
	}
	w.cfg.Log(logsys.Crit, "Fsm:%s Can't change state from \"%s\" to \"%s\" (event was \"%s\")", r.name, e.state, next, e.ev)
	w.cfg.Fatal()
}
