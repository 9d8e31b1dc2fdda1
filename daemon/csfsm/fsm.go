// Package csfsm is corosync's cs_fsm (exec/fsm.h): the table-driven state
// machine that mon.c and wd.c share, with the log lines both of their
// callbacks print. Each engine keeps its own state and event enums (their
// C orders differ) and its own handlers; this package only finds the row
// and checks the transition.
package csfsm

import (
	"fmt"

	"github.com/gorosync/gorosync/daemon/logsys"
)

// The names mon.c's and wd.c's state_to_str and event_to_str print.
const (
	Stopped       = "stopped"
	Running       = "running"
	Failed        = "failed"
	ConfigChanged = "config_changed"
	Failure       = "failure"
)

// Name returns names[i], or "?" outside it, for an engine's String methods.
func Name(names []string, i int) string {
	if i < 0 || i >= len(names) || names[i] == "" {
		return "?"
	}
	return names[i]
}

// Enum is what a state or event type must be: comparable for the table
// lookup and printable for the log lines.
type Enum interface {
	comparable
	fmt.Stringer
}

// Entry is struct cs_fsm_entry: the states event may lead to from state.
// Nil Next stands for C's NULL handler_fn: the event is not handled there.
type Entry[S, E Enum] struct {
	State S
	Event E
	Next  []S
}

// Logf is the engines' log_printf.
type Logf func(level logsys.Level, format string, args ...any)

// FSM is struct cs_fsm: one resource's place in its engine's table.
type FSM[S, E Enum] struct {
	Name  string
	State S
	Table []Entry[S, E]
	entry int
}

// Process is cs_fsm_process up to the handler call: it selects the row
// for the current state and ev and reports whether the engine should run
// that row's handler. C asserts on a NULL handler; here it is logged as
// the callback's "not found" case and the event is dropped.
func (f *FSM[S, E]) Process(ev E, log Logf) bool {
	for i, e := range f.Table {
		if e.State != f.State || e.Event != ev {
			continue
		}
		f.entry = i
		if e.Next != nil {
			return true
		}
		break
	}
	log(logsys.Error, "Fsm:%s could not find event \"%s\" in state \"%s\"", f.Name, ev, f.State)
	return false
}

// StateSet is cs_fsm_state_set with the engines' callback lines. It
// reports whether the state changed; a move the current row does not
// allow is fatal, as in C.
func (f *FSM[S, E]) StateSet(next S, log Logf, fatal func()) bool {
	if f.State == next {
		return false
	}
	e := f.Table[f.entry]
	for _, s := range e.Next {
		if s == next {
			log(logsys.Info, "Fsm:%s event \"%s\", state \"%s\" --> \"%s\"", f.Name, e.Event, e.State, next)
			f.State = next
			return true
		}
	}
	log(logsys.Crit, "Fsm:%s Can't change state from \"%s\" to \"%s\" (event was \"%s\")", f.Name, e.State, next, e.Event)
	fatal()
	return false
}

// ResourceTable is the table mon.c (mon_fsm_table) and wd.c
// (wd_fsm_table) each spell out, row for row the same over their own
// enums: a failure is handled only while running, a config change
// anywhere.
func ResourceTable[S, E Enum](stopped, running, failed S, configChanged, failure E) []Entry[S, E] {
	return []Entry[S, E]{
		{State: stopped, Event: configChanged, Next: []S{stopped, running}},
		{State: stopped, Event: failure},
		{State: running, Event: configChanged, Next: []S{running, stopped}},
		{State: running, Event: failure, Next: []S{failed}},
		{State: failed, Event: configChanged, Next: []S{running, stopped}},
		{State: failed, Event: failure},
	}
}
