package totemsrp

import (
	"slices"
	"testing"
	"time"
)

func simConfig(id uint32, n int) Config {
	c := Defaults(id, n)
	return c
}

func TestSimSmoke(t *testing.T) {
	ids := []uint32{1, 2, 3}
	s := newSimNet(1, ids, func(id uint32) Config { return simConfig(id, 3) })
	s.tracing = testing.Verbose()
	for i, id := range ids {
		id := id
		s.at(time.Duration(i)*10*time.Millisecond, func() { s.start(id) })
	}
	s.runUntil(5 * time.Second)
	if testing.Verbose() {
		for _, l := range s.trace {
			t.Log(l)
		}
	}
	for _, id := range ids {
		n := s.nodes[id].node
		if n.State() != StateOperational || !slices.Equal(n.Members(), ids) {
			for _, l := range s.trace {
				t.Log(l)
			}
			t.Fatalf("node %d: state %s members %v ring %s", id, n.State(), n.Members(), n.RingID())
		}
	}
	for k := 0; k < 50; k++ {
		for _, id := range ids {
			id := id
			s.at(s.now+time.Duration(k)*time.Millisecond, func() { s.mcast(id) })
		}
	}
	s.runUntil(s.now + 2*time.Second)
	if errs := s.rec.check(); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, h := range s.rec.hists {
		cnt := 0
		for _, e := range h.events {
			if e.conf == nil {
				cnt++
			}
		}
		if cnt != 150 {
			t.Fatalf("node %d delivered %d messages, want 150", h.id, cnt)
		}
	}
	t.Logf("events %d", s.events)
}
