package wd

import "github.com/gorosync/gorosync/daemon/csfsm"

// State is a watched resource's state in wd.c's FSM (kept in memory
// only; the resource's own state key belongs to its monitor).
type State int

// The states of enum wd_resource_state.
const (
	Running State = iota
	Failed
	Stopped
)

var stateNames = []string{Running: csfsm.Running, Failed: csfsm.Failed, Stopped: csfsm.Stopped}

func (s State) String() string { return csfsm.Name(stateNames, int(s)) }

type event int

// The events of enum wd_resource_event.
const (
	evFailure event = iota
	evConfigChanged
)

var eventNames = []string{evFailure: csfsm.Failure, evConfigChanged: csfsm.ConfigChanged}

func (e event) String() string { return csfsm.Name(eventNames, int(e)) }

// fsmTable is wd_fsm_table.
var fsmTable = csfsm.ResourceTable(Stopped, Running, Failed, evConfigChanged, evFailure)

// process is cs_fsm_process with wd.c's handlers. A failure with no
// handler is reachable in C (which then aborts) when a check timer
// outlives a stop for a missing recovery key; here the stale failure is
// logged and dropped.
func (w *Watchdog) process(r *resource, ev event) {
	if !r.fsm.Process(ev, w.cfg.Log) {
		return
	}
	if ev == evConfigChanged {
		w.configChanged(r)
		return
	}
	w.resourceFailed(r)
}

// stateSet is cs_fsm_state_set with wd_fsm_cb's log lines; the new
// state is published for State, never written to cmap.
func (w *Watchdog) stateSet(r *resource, next State) {
	if r.fsm.StateSet(next, w.cfg.Log, w.cfg.Fatal) {
		w.publish(r)
	}
}
