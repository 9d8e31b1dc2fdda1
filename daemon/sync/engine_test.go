package sync

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/wire"
)

// recService records its callbacks; process needs `retries` extra calls.
type recService struct {
	id      int
	calls   *[]string
	node    uint32
	retries int
	left    int
}

func (s *recService) ID() int      { return s.id }
func (s *recService) Name() string { return fmt.Sprintf("svc%d", s.id) }
func (s *recService) Init(trans, members []uint32, ring wire.RingID) {
	s.left = s.retries
	*s.calls = append(*s.calls, fmt.Sprintf("n%d init %d trans%v members%v ring %v", s.node, s.id, trans, members, ring))
}
func (s *recService) Process() bool {
	if s.left > 0 {
		s.left--
		return false
	}
	*s.calls = append(*s.calls, fmt.Sprintf("n%d process %d", s.node, s.id))
	return true
}
func (s *recService) Activate() {
	*s.calls = append(*s.calls, fmt.Sprintf("n%d activate %d", s.node, s.id))
}
func (s *recService) Abort() { *s.calls = append(*s.calls, fmt.Sprintf("n%d abort %d", s.node, s.id)) }

// cluster is a simulated totem ring: one agreed order for every message,
// delivered to every member (the sender too).
type cluster struct {
	t      *testing.T
	nodes  map[uint32]*Engine
	bus    []busMsg
	events map[uint32][]string
	done   map[uint32][]wire.RingID
	calls  []string
	full   bool // Mcast answers TRY_AGAIN
	sent   map[int32]int
}

type busMsg struct {
	from uint32
	msg  []byte
}

func newCluster(t *testing.T, ids ...uint32) *cluster {
	c := &cluster{t: t, nodes: map[uint32]*Engine{}, events: map[uint32][]string{}, done: map[uint32][]wire.RingID{}, sent: map[int32]int{}}
	for _, id := range ids {
		c.add(id)
	}
	return c
}

func (c *cluster) add(id uint32, services ...int) *Engine {
	e := New(Config{
		Mcast: func(msg []byte) error {
			if c.full {
				return errors.New("try again")
			}
			c.bus = append(c.bus, busMsg{id, msg})
			mid, _ := wire.SyncMessageID(msg)
			c.sent[mid]++
			return nil
		},
		Completed: func(r wire.RingID) { c.done[id] = append(c.done[id], r) },
		Event: func(ev Event) {
			c.events[id] = append(c.events[id], ev.Subsys+": "+ev.Msg)
		},
	})
	if len(services) == 0 {
		services = []int{0, 2, 3, 5}
	}
	for _, s := range services {
		e.Register(&recService{id: s, calls: &c.calls, node: id, retries: int(id) % 3})
	}
	c.nodes[id] = e
	return e
}

func (c *cluster) confchg(ring wire.RingID, trans []uint32, members ...uint32) {
	for _, m := range members {
		c.nodes[m].ConfChg(totempg.ConfChg{Type: totempg.ConfigurationTransitional, Members: trans, RingID: ring})
		c.nodes[m].ConfChg(totempg.ConfChg{Type: totempg.ConfigurationRegular, Members: members, RingID: ring})
	}
}

// step delivers up to n bus messages to members and runs every engine.
func (c *cluster) step(n int, members ...uint32) {
	for _, m := range members {
		c.nodes[m].Run()
	}
	for ; n > 0 && len(c.bus) > 0; n-- {
		b := c.bus[0]
		c.bus = c.bus[1:]
		for _, m := range members {
			c.nodes[m].Deliver(b.from, b.msg)
		}
	}
}

func (c *cluster) settle(members ...uint32) {
	for i := 0; i < 1000; i++ {
		busy := len(c.bus) > 0
		for _, m := range members {
			busy = busy || c.nodes[m].Busy()
		}
		if !busy {
			return
		}
		c.step(1, members...)
	}
	c.t.Fatal("sync did not settle")
}

func TestThreeNodesLockstep(t *testing.T) {
	c := newCluster(t, 1, 2, 3)
	ring := wire.RingID{Rep: 1, Seq: 8}
	c.confchg(ring, nil, 1, 2, 3)
	c.settle(1, 2, 3)
	for _, n := range []uint32{1, 2, 3} {
		if len(c.done[n]) != 1 || c.done[n][0] != ring || c.nodes[n].InProgress() {
			t.Fatalf("node %d completed %v", n, c.done[n])
		}
	}
	// Each node: one build, then one barrier per service: 3 × 5 messages.
	// Activation of service k happens on every node before anyone processes k+1.
	order := strings.Join(c.calls, "\n")
	for _, s := range []string{"0", "2", "3"} {
		lastAct := strings.LastIndex(order, "activate "+s)
		next := map[string]string{"0": "2", "2": "3", "3": "5"}[s]
		if firstProc := strings.Index(order, "process "+next); firstProc < lastAct {
			t.Fatalf("service %s processed before every node activated %s:\n%s", next, s, order)
		}
	}
	if n := strings.Count(order, "activate"); n != 12 {
		t.Fatalf("%d activations", n)
	}
	ev := strings.Join(c.events[2], "\n")
	for _, want := range []string{"SYNC: call init for locally known services", "SYNC: enter sync process",
		"SYNC: Committing synchronization for svc5", "MAIN: Completed service synchronization, ready to provide service."} {
		if !strings.Contains(ev, want) {
			t.Fatalf("missing %q in\n%s", want, ev)
		}
	}
	if !strings.Contains(order, "n3 init 5 trans[] members[1 2 3] ring 1.8") {
		t.Fatalf("init args:\n%s", order)
	}
}

func TestInterruptedRoundAbortsAndRestarts(t *testing.T) {
	c := newCluster(t, 1, 2, 3)
	r1 := wire.RingID{Rep: 1, Seq: 8}
	c.confchg(r1, nil, 1, 2, 3)
	// Run until the first service is being processed somewhere, then the
	// membership changes: node 3 is gone.
	for i := 0; i < 100 && !strings.Contains(strings.Join(c.calls, ","), "activate 0"); i++ {
		c.step(1, 1, 2, 3)
	}
	c.calls = nil
	r2 := wire.RingID{Rep: 1, Seq: 12}
	c.confchg(r2, []uint32{1, 2}, 1, 2)
	// node 3's barrier of the old round is still on its way
	c.bus = append([]busMsg{{3, wire.SyncBarrier{RingID: r1}.Append(nil)}}, c.bus...)
	c.settle(1, 2)
	for _, n := range []uint32{1, 2} {
		if len(c.done[n]) != 1 || c.done[n][0] != r2 {
			t.Fatalf("node %d completed %v", n, c.done[n])
		}
		if c.nodes[n].RingID() != r2 {
			t.Fatal(c.nodes[n].RingID())
		}
	}
	order := strings.Join(c.calls, "\n")
	if !strings.Contains(order, "abort") {
		t.Fatalf("no abort:\n%s", order)
	}
	if !strings.Contains(order, "n1 init 0 trans[1 2] members[1 2] ring 1.c") {
		t.Fatalf("restart:\n%s", order)
	}
	ev := strings.Join(c.events[1], "\n")
	if !strings.Contains(ev, "for old ring - discarding") {
		t.Fatalf("old ring messages not dropped:\n%s", ev)
	}
}

func TestUnknownServiceFromMember(t *testing.T) {
	c := newCluster(t, 1, 2)
	c.add(3, 0, 2, 3, 5, 7)
	ring := wire.RingID{Rep: 1, Seq: 4}
	c.confchg(ring, nil, 1, 2, 3)
	c.settle(1, 2, 3)
	for _, n := range []uint32{1, 2, 3} {
		if len(c.done[n]) != 1 {
			t.Fatalf("node %d did not complete", n)
		}
	}
	if ev := strings.Join(c.events[1], "\n"); !strings.Contains(ev, "Committing synchronization for Unknown External Service (id = 7)\n") {
		t.Fatalf("no dummy for 7:\n%s", ev)
	}
	// Every node sent one build and one barrier per service of the union.
	if c.sent[wire.SyncMsgServiceBuild] != 3 || c.sent[wire.SyncMsgBarrier] != 5*3 {
		t.Fatalf("sent %v", c.sent)
	}
}

func TestMcastTryAgainIsRetried(t *testing.T) {
	c := newCluster(t, 1, 2)
	ring := wire.RingID{Rep: 1, Seq: 4}
	c.full = true
	c.confchg(ring, nil, 1, 2)
	for i := 0; i < 5; i++ {
		c.step(10, 1, 2)
	}
	if len(c.done[1]) != 0 || !c.nodes[1].Busy() {
		t.Fatal("completed without sending")
	}
	c.full = false
	c.settle(1, 2)
	if len(c.done[1]) != 1 || len(c.done[2]) != 1 {
		t.Fatal("not completed after the queue drained")
	}
}

func TestNoServices(t *testing.T) {
	var done int
	var sent [][]byte
	e := New(Config{Mcast: func(m []byte) error { sent = append(sent, m); return nil }, Completed: func(wire.RingID) { done++ }})
	ring := wire.RingID{Rep: 2, Seq: 1}
	e.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationRegular, Members: []uint32{2}, RingID: ring})
	e.Deliver(2, sent[0])
	if done != 1 || e.Busy() || e.InProgress() {
		t.Fatalf("done %d", done)
	}
	b, err := wire.DecodeSyncServiceBuild(sent[0])
	if err != nil || len(b.Services) != 0 || b.RingID != ring {
		t.Fatal(b, err)
	}
}

func TestQuorumSyncView(t *testing.T) {
	var lines []string
	q := NewQuorumSync(func(e Event) { lines = append(lines, e.Msg) })
	q.Init(nil, []uint32{1}, wire.RingID{Rep: 1, Seq: 5})
	q.Activate()
	q.Init([]uint32{1}, []uint32{1, 2, 3}, wire.RingID{Rep: 1, Seq: 9})
	q.Activate()
	q.Init([]uint32{1, 3}, []uint32{1, 3}, wire.RingID{Rep: 1, Seq: 13})
	want := []string{"Sync members[1]: 1", "Sync joined[1]: 1",
		"Sync members[3]: 1 2 3", "Sync joined[2]: 2 3",
		"Sync members[2]: 1 3", "Sync left[1]: 2"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("%q", lines)
	}
	lines = nil
	var many []uint32
	for i := uint32(1000); i < 1020; i++ {
		many = append(many, i)
	}
	q.logView(many, "Sync members")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "\\") || len(lines[0]) > len("Sync members[20]:")+64 {
		t.Fatalf("%q", lines)
	}
}
