package totemsrp

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// The simulation: an in-memory network with virtual time driving several
// Nodes through crashes, restarts, partitions, loss, duplication and
// reordering. Everything random comes from one seeded source, so a seed
// replays exactly.

type simEvent struct {
	at   time.Duration
	id   uint64 // insertion order: tie-break for determinism
	kind int
	to   uint32
	from uint32
	data []byte
	fn   func()
}

const (
	evFrame = iota
	evAction
)

type eventQueue []*simEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].id < q[j].id
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*simEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type simNode struct {
	id          uint32
	node        *Node
	up          bool
	incarnation int
	sent        int // application messages queued by this incarnation
	hist        *nodeHistory
}

type simNet struct {
	rng     *rand.Rand
	now     time.Duration
	q       eventQueue
	nextID  uint64
	nodes   map[uint32]*simNode
	ids     []uint32
	disk    map[uint32]uint64 // persisted ring seq per node
	group   map[uint32]int    // partition group per node
	loss    float64
	dup     float64
	minLat  time.Duration
	maxLat  time.Duration
	cfg     func(id uint32) Config
	rec     *recorder
	trace   []string
	tracing bool
	events  int
	sent    map[uint32]map[wire.SrpType]int // frames sent per node and type
	blocked map[[2]uint32]bool              // {from, to}: multicasts dropped
	// mcastFilter, when set, drops multicast frames it returns false for.
	mcastFilter func(from, to uint32) bool
	// budget bounds the work of one run; a livelock shows up as overBudget.
	budget     int
	overBudget bool
}

func newSimNet(seed int64, ids []uint32, cfg func(uint32) Config) *simNet {
	s := &simNet{
		rng:     rand.New(rand.NewSource(seed)),
		nodes:   map[uint32]*simNode{},
		ids:     ids,
		disk:    map[uint32]uint64{},
		sent:    map[uint32]map[wire.SrpType]int{},
		blocked: map[[2]uint32]bool{},
		group:   map[uint32]int{},
		minLat:  100 * time.Microsecond,
		maxLat:  1 * time.Millisecond,
		cfg:     cfg,
		rec:     newRecorder(),
		budget:  3_000_000,
	}
	for _, id := range ids {
		s.nodes[id] = &simNode{id: id}
	}
	return s
}

func (s *simNet) logf(format string, args ...any) {
	if s.tracing {
		s.trace = append(s.trace, fmt.Sprintf("%10.3fms ", float64(s.now)/1e6)+fmt.Sprintf(format, args...))
	}
}

func (s *simNet) push(e *simEvent) {
	e.id = s.nextID
	s.nextID++
	heap.Push(&s.q, e)
}

func (s *simNet) at(t time.Duration, fn func()) { s.push(&simEvent{at: t, kind: evAction, fn: fn}) }

func (s *simNet) start(id uint32) {
	sn := s.nodes[id]
	if sn.up {
		return
	}
	c := s.cfg(id)
	// Odd nodes leave their own copy out, as our daemon does; even ones
	// get it back, as C's do.
	c.SkipOwnCopy = id%2 == 1
	n, err := New(c, s.disk[id])
	if err != nil {
		panic(err)
	}
	sn.node = n
	sn.up = true
	sn.incarnation++
	sn.sent = 0
	sn.hist = s.rec.newHistory(id, sn.incarnation)
	s.logf("node %d start (incarnation %d, stored ring seq %d)", id, sn.incarnation, s.disk[id])
	n.Start(s.now)
	s.drain(sn)
}

func (s *simNet) crash(id uint32) {
	sn := s.nodes[id]
	if !sn.up {
		return
	}
	s.logf("node %d crash", id)
	sn.up = false
	sn.node = nil
}

func (s *simNet) leave(id uint32) {
	sn := s.nodes[id]
	if !sn.up {
		return
	}
	s.logf("node %d leave", id)
	sn.node.Leave()
	s.drain(sn)
	sn.up = false
	sn.node = nil
}

func (s *simNet) connected(a, b uint32) bool { return s.group[a] == s.group[b] }

func (s *simNet) latency() time.Duration {
	return s.minLat + time.Duration(s.rng.Int63n(int64(s.maxLat-s.minLat)+1))
}

func (s *simNet) send(from uint32, f Frame) {
	var dsts []uint32
	if f.To == 0 {
		dsts = s.ids
	} else {
		dsts = []uint32{f.To}
	}
	if f.Type == wire.SrpMcast {
		s.rec.noteMcastSent(f.Data)
	}
	if s.sent[from] == nil {
		s.sent[from] = map[wire.SrpType]int{}
	}
	s.sent[from][f.Type]++
	for _, to := range dsts {
		if !s.connected(from, to) {
			continue
		}
		if to == from && f.Kept {
			continue // SkipOwnCopy (odd nodes, see newSimNet)
		}
		if f.To == 0 && f.Type == wire.SrpMcast && to != from &&
			(s.blocked[[2]uint32{from, to}] || s.mcastFilter != nil && !s.mcastFilter(from, to)) {
			continue
		}
		if to != from && s.loss > 0 && s.rng.Float64() < s.loss {
			continue
		}
		s.push(&simEvent{at: s.now + s.latency(), kind: evFrame, to: to, from: from, data: f.Data})
		if to != from && s.dup > 0 && s.rng.Float64() < s.dup {
			s.push(&simEvent{at: s.now + s.latency(), kind: evFrame, to: to, from: from, data: f.Data})
		}
	}
}

// drain acts on a node's Ready until it is empty.
func (s *simNet) drain(sn *simNode) {
	if debugHook != nil {
		defer debugHook(s)
	}
	for sn.up && sn.node.HasReady() {
		rd := sn.node.Ready()
		if rd.HasRingSeq {
			s.disk[sn.id] = rd.RingSeq
		}
		for _, f := range rd.Frames {
			if s.tracing {
				s.logf("node %d send %s to %d %s", sn.id, f.Type, f.To, describeFrame(f.Data))
			}
			s.send(sn.id, f)
		}
		for _, d := range rd.Deliveries {
			switch d.Kind {
			case DeliverMessage:
				sn.hist.deliver(s.rec, d.NodeID, d.Payload)
				if s.tracing {
					s.logf("node %d deliver from %d %s", sn.id, d.NodeID, msgKey(d.Payload))
				}
			case DeliverConfChg:
				sn.hist.confchg(*d.ConfChg)
				s.logf("node %d confchg %s ring %s members %v left %v joined %v", sn.id, d.ConfChg.Type,
					d.ConfChg.RingID, d.ConfChg.Members, d.ConfChg.Left, d.ConfChg.Joined)
				if d.ConfChg.Type == ConfChgRegular {
					// No sync layer in the simulation: acknowledge at once.
					sn.node.TransAck()
				}
			}
		}
		for _, l := range rd.Logs {
			if s.tracing {
				s.logf("node %d log %s: %s", sn.id, l.Level, l.Text)
			}
		}
	}
}

// mcast makes node id's application queue its next numbered message.
func (s *simNet) mcast(id uint32) {
	sn := s.nodes[id]
	if !sn.up {
		return
	}
	payload := make([]byte, 12, 12+s.rng.Intn(64))
	binary.LittleEndian.PutUint32(payload[0:], id)
	binary.LittleEndian.PutUint32(payload[4:], uint32(sn.incarnation))
	binary.LittleEndian.PutUint32(payload[8:], uint32(sn.sent+1))
	payload = payload[:cap(payload)]
	// Like corosync's IPC clients, the application cannot send until sync
	// has acknowledged the configuration (messages queued while waiting go
	// to the transitional queue, which only sync may use).
	if sn.node.WaitingTransAck() {
		return
	}
	if err := sn.node.Mcast(payload, 0); err != nil {
		return
	}
	sn.sent++
	s.drain(sn)
}

// nextNodeDeadline returns the earliest timer of any live node.
func (s *simNet) nextNodeDeadline() (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, id := range s.ids {
		sn := s.nodes[id]
		if !sn.up {
			continue
		}
		if d, ok := sn.node.NextDeadline(); ok && (!found || d < best) {
			best, found = d, true
		}
	}
	return best, found
}

// runUntil processes events and timers up to virtual time end.
func (s *simNet) runUntil(end time.Duration) {
	for {
		next := end
		if len(s.q) > 0 && s.q[0].at < next {
			next = s.q[0].at
		}
		if d, ok := s.nextNodeDeadline(); ok && d < next {
			next = d
		}
		if next > end {
			break
		}
		s.now = next
		// Timers first, in nodeid order, then network events due now.
		for _, id := range s.ids {
			sn := s.nodes[id]
			if sn.up {
				if d, ok := sn.node.NextDeadline(); ok && d <= s.now {
					sn.node.Tick(s.now)
					s.drain(sn)
				}
			}
		}
		if s.events > s.budget {
			s.overBudget = true
			return
		}
		for len(s.q) > 0 && s.q[0].at <= s.now {
			e := heap.Pop(&s.q).(*simEvent)
			s.events++
			switch e.kind {
			case evAction:
				e.fn()
			case evFrame:
				sn := s.nodes[e.to]
				if !sn.up || !s.connected(e.from, e.to) {
					continue
				}
				sn.node.Tick(s.now)
				if err := sn.node.Step(e.data); err != nil {
					panic(fmt.Sprintf("node %d rejected a frame of node %d: %v", e.to, e.from, err))
				}
				s.drain(sn)
			}
		}
		if s.now >= end {
			break
		}
	}
	s.now = end
}

func describeFrame(b []byte) string {
	m, err := wire.DecodeSrp(b)
	if err != nil {
		return err.Error()
	}
	switch x := m.(type) {
	case *wire.OrfToken:
		return fmt.Sprintf("ring %s seq %d tokseq %d aru %d/%d fcc %d backlog %d retr %d rtr %d", x.RingID, x.Seq, x.TokenSeq, x.Aru, x.AruAddr, x.Fcc, x.Backlog, x.RetransFlg, len(x.RtrList))
	case *wire.Mcast:
		if x.Header.Encapsulated == wire.EncapsulatedMcast {
			in, _ := wire.DecodeMcast(x.Payload)
			if in != nil {
				return fmt.Sprintf("ring %s seq %d ENCAP[ring %s seq %d %s]", x.RingID, x.Seq, in.RingID, in.Seq, msgKey(in.Payload))
			}
		}
		return fmt.Sprintf("ring %s seq %d %s", x.RingID, x.Seq, msgKey(x.Payload))
	case *wire.MembJoin:
		return fmt.Sprintf("from %d nodeid %d proc %v failed %v ring_seq %d", x.SystemFrom, x.Header.NodeID, x.ProcList, x.FailedList, x.RingSeq)
	case *wire.CommitToken:
		var b strings.Builder
		for i, e := range x.MembList {
			fmt.Fprintf(&b, "[%d %s aru %d hd %d rf %d]", x.Addr[i], e.RingID, e.Aru, e.HighDelivered, e.ReceivedFlg)
		}
		return fmt.Sprintf("ring %s tokseq %d idx %d %s", x.RingID, x.TokenSeq, x.MembIndex, b.String())
	case *wire.MergeDetect:
		return fmt.Sprintf("from %d ring %s", x.SystemFrom, x.RingID)
	case *wire.TokenHoldCancel:
		return fmt.Sprintf("ring %s", x.RingID)
	}
	return ""
}

func sortedIDs(m map[uint32]bool) []uint32 {
	var out []uint32
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// debugHook, when set by a test, runs after every drain: a place to watch
// one node's internals while replaying a seed.
var debugHook func(s *simNet)
