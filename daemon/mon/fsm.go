package mon

import "github.com/gorosync/gorosync/daemon/csfsm"

// State is a resource's state as mon.c's FSM names it in cmap.
type State int

// The states of enum mon_resource_state.
const (
	Stopped State = iota
	Running
	Failed
)

var stateNames = []string{Stopped: csfsm.Stopped, Running: csfsm.Running, Failed: csfsm.Failed}

func (s State) String() string { return csfsm.Name(stateNames, int(s)) }

// Event is enum mon_resource_event.
type Event int

// The events of enum mon_resource_event.
const (
	ConfigChanged Event = iota
	Failure
)

var eventNames = []string{ConfigChanged: csfsm.ConfigChanged, Failure: csfsm.Failure}

func (e Event) String() string { return csfsm.Name(eventNames, int(e)) }

// fsmTable is mon_fsm_table.
var fsmTable = csfsm.ResourceTable(Stopped, Running, Failed, ConfigChanged, Failure)

// process is cs_fsm_process with mon.c's handlers. mon.c never sends a
// failure outside "running" (C would assert), and neither do we.
// Called with m.mu held.
func (m *Monitor) process(r *resource, ev Event) {
	if !r.fsm.Process(ev, m.cfg.Log) {
		return
	}
	if ev == ConfigChanged {
		m.configChanged(r)
		return
	}
	m.stateSet(r, Failed)
}

// stateSet is mon_fsm_state_set: cs_fsm_state_set, then the new state
// is written to <path>state.
func (m *Monitor) stateSet(r *resource, next State) {
	if r.fsm.StateSet(next, m.cfg.Log, m.cfg.Fatal) {
		_ = m.cfg.Map.Set(r.path+"state", next.String())
	}
}
