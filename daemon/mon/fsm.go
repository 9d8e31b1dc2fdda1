package mon

import "github.com/gorosync/gorosync/daemon/logsys"

// State is a resource's state as mon.c's FSM names it in cmap.
type State int

// The states of enum mon_resource_state.
const (
	Stopped State = iota
	Running
	Failed
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

// Event is enum mon_resource_event.
type Event int

// The events of enum mon_resource_event.
const (
	ConfigChanged Event = iota
	Failure
)

func (e Event) String() string {
	if e == ConfigChanged {
		return "config_changed"
	}
	return "failure"
}

// fsmEntry is one row of mon_fsm_table: the states an event may lead to
// from a state; no next states means the event is ignored there.
type fsmEntry struct {
	state State
	event Event
	next  []State
}

var fsmTable = []fsmEntry{
	{Stopped, ConfigChanged, []State{Stopped, Running}},
	{Stopped, Failure, nil},
	{Running, ConfigChanged, []State{Running, Stopped}},
	{Running, Failure, []State{Failed}},
	{Failed, ConfigChanged, []State{Running, Stopped}},
	{Failed, Failure, nil},
}

// process is cs_fsm_process: it selects the table row and runs its
// handler. Called with m.mu held.
func (m *Monitor) process(r *resource, ev Event) {
	for i, e := range fsmTable {
		if e.state != r.state || e.event != ev {
			continue
		}
		r.entry = i
		switch {
		case ev == ConfigChanged:
			m.configChanged(r)
		case e.next != nil:
			m.stateSet(r, Failed)
		default:
			// C asserts here (a NULL handler); mon.c never sends a
			// failure outside "running", and neither do we.
			m.cfg.Log(logsys.Error, "Fsm:%s could not find event \"%s\" in state \"%s\"", r.name, ev, r.state)
		}
		return
	}
}

// stateSet is mon_fsm_state_set: cs_fsm_state_set, then the new state
// is written to <path>state.
func (m *Monitor) stateSet(r *resource, next State) {
	if r.state == next {
		return
	}
	e := fsmTable[r.entry]
	allowed := false
	for _, s := range e.next {
		allowed = allowed || s == next
	}
	if !allowed {
		m.cfg.Log(logsys.Crit, "Fsm:%s Can't change state from \"%s\" to \"%s\" (event was \"%s\")", r.name, e.state, next, e.event)
		m.cfg.Fatal()
		return
	}
	m.cfg.Log(logsys.Info, "Fsm:%s event \"%s\", state \"%s\" --> \"%s\"", r.name, e.event, e.state, next)
	r.state = next
	_ = m.cfg.Map.Set(r.path+"state", next.String())
}
