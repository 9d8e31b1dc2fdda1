package csfsm_test

import (
	"testing"

	"github.com/gorosync/gorosync/daemon/csfsm"
	"github.com/gorosync/gorosync/internal/enginetest"
)

type state int

const (
	up state = iota
	down
	broken
	unnamed
)

func (s state) String() string {
	return csfsm.Name([]string{up: csfsm.Running, down: csfsm.Stopped, broken: csfsm.Failed}, int(s))
}

type event int

const (
	kick event = iota
	poke
)

func (e event) String() string {
	return csfsm.Name([]string{kick: csfsm.ConfigChanged, poke: csfsm.Failure}, int(e))
}

func newFSM() *csfsm.FSM[state, event] {
	return &csfsm.FSM[state, event]{Name: "res", State: down, Table: []csfsm.Entry[state, event]{
		{State: down, Event: kick, Next: []state{up}},
		{State: down, Event: poke},
		{State: up, Event: kick, Next: []state{down}},
	}}
}

func TestResourceTable(t *testing.T) {
	var logs enginetest.LogRec
	f := &csfsm.FSM[state, event]{Name: "r", State: down, Table: csfsm.ResourceTable(down, up, broken, kick, poke)}
	fatal := func() { t.Error("fatal") }
	if f.Process(poke, logs.Log) {
		t.Error("failure handled while stopped")
	}
	if !f.Process(kick, logs.Log) || !f.StateSet(up, logs.Log, fatal) {
		t.Error("config change from stopped to running refused")
	}
	if !f.Process(poke, logs.Log) || !f.StateSet(broken, logs.Log, fatal) {
		t.Error("failure from running to failed refused")
	}
	if f.Process(poke, logs.Log) {
		t.Error("failure handled while failed")
	}
	if !f.Process(kick, logs.Log) || !f.StateSet(down, logs.Log, fatal) {
		t.Error("config change from failed to stopped refused")
	}
	enginetest.WantLines(t, logs.Take(),
		`error Fsm:r could not find event "failure" in state "stopped"`,
		`info Fsm:r event "config_changed", state "stopped" --> "running"`,
		`info Fsm:r event "failure", state "running" --> "failed"`,
		`error Fsm:r could not find event "failure" in state "failed"`,
		`info Fsm:r event "config_changed", state "failed" --> "stopped"`)
}

func TestProcessAndStateSet(t *testing.T) {
	var logs enginetest.LogRec
	fatal := 0
	f := newFSM()
	if !f.Process(kick, logs.Log) {
		t.Fatal("kick in stopped has a handler")
	}
	if f.StateSet(down, logs.Log, func() { fatal++ }) {
		t.Error("setting the current state reported a change")
	}
	if !f.StateSet(up, logs.Log, func() { fatal++ }) || f.State != up {
		t.Errorf("state %v, want running", f.State)
	}
	enginetest.WantLines(t, logs.Take(), `info Fsm:res event "config_changed", state "stopped" --> "running"`)

	// The row chosen last (up, kick) allows only down.
	if !f.Process(kick, logs.Log) || f.StateSet(unnamed, logs.Log, func() { fatal++ }) {
		t.Error("a move outside Next was allowed")
	}
	if fatal != 1 || f.State != up {
		t.Errorf("fatal %d, state %v; want 1, running", fatal, f.State)
	}
	enginetest.WantLines(t, logs.Take(), `crit Fsm:res Can't change state from "running" to "?" (event was "config_changed")`)
}

func TestProcessNotFound(t *testing.T) {
	var logs enginetest.LogRec
	f := newFSM()
	if f.Process(poke, logs.Log) {
		t.Error("a row without handler was run")
	}
	f.State = up
	if f.Process(poke, logs.Log) {
		t.Error("a missing row was run")
	}
	enginetest.WantLines(t, logs.Take(),
		`error Fsm:res could not find event "failure" in state "stopped"`,
		`error Fsm:res could not find event "failure" in state "running"`)
}

func TestName(t *testing.T) {
	names := []string{1: "b"}
	for i, want := range map[int]string{-1: "?", 0: "?", 1: "b", 2: "?"} {
		if got := csfsm.Name(names, i); got != want {
			t.Errorf("Name(%d) = %q, want %q", i, got, want)
		}
	}
}
