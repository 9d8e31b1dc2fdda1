package cpg

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// C: message_handler_req_lib_cpg_join sends PROCJOIN and answers at once;
// the confchg only comes with the delivery (message_handler_req_exec_cpg_procjoin
// -> do_proc_join -> notify_lib_joinlist), to every joined connection of the
// group, the joiner included (its state becomes JOIN_COMPLETED first).
func TestJoinConfchg(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	if e := s.req(1, a, joinReq("g", 100)); e != wire.CsOK {
		t.Fatalf("join: %d", e)
	}
	expectEvents(t, a)
	s.deliver()
	expectEvents(t, a, "confchg g m[1:100] l[] j[1:100/1]")
	expectEvents(t, b)
	if e := s.req(2, b, joinReq("g", 200)); e != wire.CsOK {
		t.Fatalf("join: %d", e)
	}
	s.deliver()
	expectEvents(t, a, "confchg g m[1:100,2:200] l[] j[2:200/1]")
	expectEvents(t, b, "confchg g m[1:100,2:200] l[] j[2:200/1]")
	// Other groups don't see it.
	c := s.client(1, "c")
	s.req(1, c, joinReq("other", 300))
	s.deliver()
	expectEvents(t, a)
	expectEvents(t, c, "confchg other m[1:300] l[] j[1:300/1]")
}

// C: the error ladder of message_handler_req_lib_cpg_join and _leave.
func TestJoinLeaveErrors(t *testing.T) {
	s := newSim(t, 1)
	a := s.client(1, "a")
	b := s.client(1, "b")
	if e := s.req(1, a, leaveReq("g", 100)); e != wire.CsErrNotExist {
		t.Fatalf("leave unjoined: %d, want NOT_EXIST", e)
	}
	s.req(1, a, joinReq("g", 100))
	if e := s.req(1, a, leaveReq("g", 100)); e != wire.CsErrBusy {
		t.Fatalf("leave while JOIN_STARTED: %d, want BUSY", e)
	}
	if e := s.req(1, a, joinReq("h", 100)); e != wire.CsErrExist {
		t.Fatalf("second join on a handle: %d, want EXIST", e)
	}
	if e := s.req(1, b, joinReq("g", 100)); e != wire.CsErrExist {
		t.Fatalf("same pid+group on another handle: %d, want EXIST", e)
	}
	long := (&wire.CpgReqJoin{PID: 5}).Append(nil)
	long[16] = 129
	if e := s.req(1, b, long); e != wire.CsErrNameTooLong {
		t.Fatalf("129-byte name: %d, want NAME_TOO_LONG", e)
	}
	s.deliver()
	if e := s.req(1, a, joinReq("g", 100)); e != wire.CsErrExist {
		t.Fatalf("join when JOIN_COMPLETED: %d, want EXIST", e)
	}
	if e := s.req(1, a, leaveReq("g", 100)); e != wire.CsOK {
		t.Fatalf("leave: %d", e)
	}
	if e := s.req(1, a, leaveReq("g", 100)); e != wire.CsErrNotExist {
		t.Fatalf("leave twice: %d, want NOT_EXIST", e)
	}
	if e := s.req(1, a, joinReq("h", 100)); e != wire.CsErrBusy {
		t.Fatalf("join while LEAVE_STARTED: %d, want BUSY", e)
	}
	s.deliver()
	// notify_lib_joinlist never resets a leaver (its reset loop counts
	// joined entries), so the handle stays LEAVE_STARTED for good.
	if e := s.req(1, a, joinReq("h", 100)); e != wire.CsErrBusy {
		t.Fatalf("join after delivered leave: %d, want BUSY (C 3.1.7 quirk)", e)
	}
	if e := s.req(1, b, joinReq("g", 100)); e != wire.CsErrExist {
		t.Fatalf("rejoin by the same pid on a new handle: %d, want EXIST while the old handle lives", e)
	}
	s.nodes[1].e.LibExit(a)
	if e := s.req(1, b, joinReq("g", 100)); e != wire.CsOK {
		t.Fatalf("rejoin after the old handle closed: %d", e)
	}
}

// C: join checks process_info for a local (pid, group) whose PROCLEAVE has
// not been delivered yet -> CS_ERR_TRY_AGAIN.
func TestJoinTryAgainWhileLeavePending(t *testing.T) {
	s := newSim(t, 1)
	a := s.client(1, "a")
	s.req(1, a, joinReq("g", 100))
	s.deliver()
	s.nodes[1].e.LibExit(a) // PROCLEAVE reason PROCDOWN queued, not delivered
	b := s.client(1, "b")
	if e := s.req(1, b, joinReq("g", 100)); e != wire.CsErrTryAgain {
		t.Fatalf("join before the PROCDOWN is delivered: %d, want TRY_AGAIN", e)
	}
	s.deliver()
	if e := s.req(1, b, joinReq("g", 100)); e != wire.CsOK {
		t.Fatalf("join after: %d", e)
	}
}

// C: message_handler_req_exec_cpg_mcast delivers to connections of the group
// in JOIN_COMPLETED or LEAVE_STARTED, not JOIN_STARTED, and to nobody if the
// sender node has no process in the group ("Unknown node -> we will not
// deliver message").
func TestMcastDelivery(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	other := s.client(2, "other")
	s.req(1, a, joinReq("g", 100))
	s.req(2, b, joinReq("g", 200))
	s.req(2, other, joinReq("x", 201))
	s.deliver()
	a.takeEvents(t)
	b.takeEvents(t)
	other.takeEvents(t)

	if e := s.req(1, a, mcastReq("hello")); e != 0 {
		t.Fatalf("mcast got a response")
	}
	s.deliver()
	expectEvents(t, a, `deliver g from 1:100 "hello"`)
	expectEvents(t, b, `deliver g from 1:100 "hello"`)
	expectEvents(t, other)

	// Delivered messages are announced at FlushEvents, once per client.
	if a.unflushed != 1 || b.unflushed != 1 {
		t.Fatalf("held announcements a=%d b=%d, want 1 each", a.unflushed, b.unflushed)
	}
	s.nodes[1].e.FlushEvents()
	s.nodes[2].e.FlushEvents()
	s.req(1, a, mcastReq("one"))
	s.req(1, a, mcastReq("two"))
	s.deliver()
	if a.unflushed != 2 || b.unflushed != 2 {
		t.Fatalf("held announcements a=%d b=%d, want 2 each", a.unflushed, b.unflushed)
	}
	s.nodes[1].e.FlushEvents()
	s.nodes[2].e.FlushEvents()
	if a.unflushed != 0 || b.unflushed != 0 {
		t.Fatalf("after FlushEvents a=%d b=%d still held", a.unflushed, b.unflushed)
	}
	expectEvents(t, a, `deliver g from 1:100 "one"`, `deliver g from 1:100 "two"`)
	expectEvents(t, b, `deliver g from 1:100 "one"`, `deliver g from 1:100 "two"`)

	// A joiner does not get messages before its own join is delivered.
	late := s.client(2, "late")
	s.nodes[1].e.LibRequest(a, mcastReq("early"))
	s.req(2, late, joinReq("g", 202))
	s.deliver()
	expectEvents(t, late, "confchg g m[1:100,2:200,2:202] l[] j[2:202/1]")

	// A node with no process in the group is unknown: nobody gets it.
	m := wire.CpgMcast{Group: gname("g"), PID: 9, Message: []byte("spoof")}
	raw, _ := m.Append(nil)
	s.nodes[1].e.Deliver(3, raw)
	expectEvents(t, a, `deliver g from 1:100 "early"`, "confchg g m[1:100,2:200,2:202] l[] j[2:202/1]")
	// Known node, any pid of it in the group will do.
	m.PID = 12345
	raw, _ = m.Append(nil)
	s.nodes[1].e.Deliver(2, raw)
	expectEvents(t, a, `deliver g from 2:12345 "spoof"`)

	// Not joined: nothing is sent.
	n := len(s.nodes[2].sent)
	un := s.client(2, "un")
	s.nodes[2].e.LibRequest(un, mcastReq("nope"))
	if len(s.nodes[2].sent) != n {
		t.Fatal("unjoined mcast was sent")
	}
}

// C: a leave confchg reaches the leaver too (LEAVE_STARTED), and since the
// leaver is never reset it keeps getting the group's traffic.
func TestLeave(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	s.req(1, a, joinReq("g", 100))
	s.req(2, b, joinReq("g", 200))
	s.deliver()
	a.takeEvents(t)
	b.takeEvents(t)
	if e := s.req(1, a, leaveReq("g", 100)); e != wire.CsOK {
		t.Fatal(e)
	}
	s.deliver()
	expectEvents(t, a, "confchg g m[2:200] l[1:100/2] j[]")
	expectEvents(t, b, "confchg g m[2:200] l[1:100/2] j[]")
	s.req(2, b, mcastReq("still"))
	s.deliver()
	expectEvents(t, a, `deliver g from 2:200 "still"`)
	// The leaver can no longer send.
	n := len(s.nodes[1].sent)
	s.nodes[1].e.LibRequest(a, mcastReq("x"))
	if len(s.nodes[1].sent) != n {
		t.Fatal("mcast after leave was sent")
	}
}

// C: cpg_lib_exit_fn sends PROCLEAVE with reason PROCDOWN for a connection
// that is joined (or joining); FINALIZE first takes the connection off the
// list, so it gets no more events, and the PROCDOWN still follows at exit.
func TestExitAndFinalize(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	s.req(1, a, joinReq("g", 100))
	s.req(2, b, joinReq("g", 200))
	s.deliver()
	a.takeEvents(t)
	b.takeEvents(t)
	if e := s.req(1, a, (&wire.RequestHeader{ID: wire.MessageReqCpgFinalize, Size: 16}).Append(nil)); e != wire.CsOK {
		t.Fatal(e)
	}
	s.req(2, b, mcastReq("after finalize"))
	s.deliver()
	expectEvents(t, a)
	s.nodes[1].e.LibExit(a)
	s.deliver()
	expectEvents(t, b, `deliver g from 2:200 "after finalize"`, "confchg g m[2:200] l[1:100/5] j[]")

	// A connection closing while its join is in flight leaves too.
	c := s.client(1, "c")
	s.req(1, c, joinReq("g", 300))
	s.nodes[1].e.LibExit(c)
	s.deliver()
	expectEvents(t, b, "confchg g m[1:300,2:200] l[] j[1:300/1]", "confchg g m[2:200] l[1:300/5] j[]")
}

// C: downlist_inform_clients after a node failure: the survivors get one
// confchg per group with the failed node's processes as NODEDOWN, then
// the totem confchg (notify_lib_totem_membership) with the new ring; the
// isolated node loses everybody else in one confchg.
func TestNodeFailure(t *testing.T) {
	s := newSim(t, 1, 2, 3)
	cl := map[uint32]*fakeConn{}
	for id := uint32(1); id <= 3; id++ {
		cl[id] = s.client(id, "c")
		s.req(id, cl[id], joinReq("g", id*100))
		s.deliver()
	}
	x := s.client(3, "x")
	s.req(3, x, joinReq("xg", 301))
	s.deliver()
	for _, c := range cl {
		c.takeEvents(t)
	}
	x.takeEvents(t)

	// A message sent before the failure arrives before the confchg.
	s.req(3, cl[3], mcastReq("last words"))
	s.confchg([]uint32{1, 2}, []uint32{3})
	expectEvents(t, cl[1], `deliver g from 3:300 "last words"`, "confchg g m[1:100,2:200] l[3:300/3] j[]", "totem 1.8 [1 2]")
	expectEvents(t, cl[2], `deliver g from 3:300 "last words"`, "confchg g m[1:100,2:200] l[3:300/3] j[]", "totem 1.8 [1 2]")
	expectEvents(t, cl[3], `deliver g from 3:300 "last words"`, "confchg g m[3:300] l[1:100/3,2:200/3] j[]", "totem 3.c [3]")
	expectEvents(t, x, "totem 3.c [3]")
	if m := s.nodes[1].e.Members("xg"); len(m) != 0 {
		t.Fatalf("node 1 still has xg members %v", m)
	}
}

// C: a merge. Each side learns the other's processes from the JOINLISTs
// (joinlist_inform_clients, NODEUP). C keeps joinlist messages with head
// insertion, so the joined list comes out in reverse order of reception.
func TestMergeAfterPartition(t *testing.T) {
	s := newSim(t, 1, 2, 3)
	cl := map[uint32]*fakeConn{}
	for id := uint32(1); id <= 3; id++ {
		cl[id] = s.client(id, "c")
		s.req(id, cl[id], joinReq("g", id*100))
		s.deliver()
	}
	s.confchg([]uint32{1, 2}, []uint32{3})
	for _, c := range cl {
		c.takeEvents(t)
	}
	s.confchg([]uint32{1, 2, 3})
	expectEvents(t, cl[1], "confchg g m[1:100,2:200,3:300] l[] j[3:300/4]", "totem 1.10 [1 2 3]")
	expectEvents(t, cl[3], "confchg g m[1:100,2:200,3:300] l[] j[2:200/4,1:100/4]", "totem 1.10 [1 2 3]")
	// Messages flow both ways again.
	s.req(3, cl[3], mcastReq("back"))
	s.deliver()
	expectEvents(t, cl[1], `deliver g from 3:300 "back"`)
}

// C: a node that drops out and comes back within one configuration change
// (missing from the transitional membership, present in the new one) is
// first reported down, then its processes come back with NODEUP.
func TestNodeLeavesAndRejoinsInOneChange(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	s.req(1, a, joinReq("g", 100))
	s.req(2, b, joinReq("g", 200))
	s.deliver()
	a.takeEvents(t)
	b.takeEvents(t)
	// Node 1 sees node 2 vanish and reappear: its trans list is just {1}.
	s.nodes[1].members = []uint32{1}
	s.confchg([]uint32{1, 2})
	expectEvents(t, a, "confchg g m[1:100] l[2:200/3] j[]", "confchg g m[1:100,2:200] l[] j[2:200/4]", "totem 1.8 [1 2]")
	// Node 2 kept node 1 in its transitional membership: nothing left,
	// node 1's JOINLIST names known processes, only the totem confchg.
	expectEvents(t, b, "totem 1.8 [1 2]")
}

// C: joinlist_remove_zombie_pi_entries. Node 2 restarted (its processes are
// gone) without node 1 seeing it leave: node 2's empty JOINLIST makes node
// 1 drop them with PROCDOWN, one confchg per process.
func TestZombieRemoval(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	b2 := s.client(2, "b2")
	s.req(1, a, joinReq("g", 100))
	s.req(2, b, joinReq("g", 200))
	s.req(2, b2, joinReq("g", 201))
	s.deliver()
	a.takeEvents(t)
	fresh := s.addNode(2)
	fresh.members = []uint32{1, 2}
	s.confchg([]uint32{1, 2})
	expectEvents(t, a, "confchg g m[1:100,2:201] l[2:200/5] j[]", "confchg g m[1:100] l[2:201/5] j[]", "totem 1.8 [1 2]")
}

// C: the DOWNLIST is a static struct: slots past left_nodes keep the ids of
// earlier rounds (seen in the udpu3 capture), and old_members is the size
// of the previous membership.
func TestDownlistMessage(t *testing.T) {
	s := newSim(t, 1, 2, 3)
	last := func() *wire.CpgDownlist {
		for i := len(s.nodes[1].sent) - 1; i >= 0; i-- {
			if m, err := wire.DecodeCpgDownlist(s.nodes[1].sent[i]); err == nil {
				return m
			}
		}
		t.Fatal("no downlist sent")
		return nil
	}
	if d := last(); d.OldMembers != 0 || d.LeftNodes != 0 {
		t.Fatalf("first downlist %d/%d", d.OldMembers, d.LeftNodes)
	}
	s.confchg([]uint32{1}, []uint32{2, 3})
	if d := last(); d.OldMembers != 3 || d.LeftNodes != 2 || d.NodeIDs[0] != 2 || d.NodeIDs[1] != 3 {
		t.Fatalf("downlist after split: old %d left %v", d.OldMembers, d.Left())
	}
	s.confchg([]uint32{1, 2, 3})
	if d := last(); d.OldMembers != 1 || d.LeftNodes != 0 || d.NodeIDs[0] != 2 || d.NodeIDs[1] != 3 {
		t.Fatalf("downlist after merge: old %d left %d slots %v", d.OldMembers, d.LeftNodes, d.NodeIDs[:2])
	}
}

// C: join flag CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF: after the first
// confchg of any group, one totem confchg with the last synced membership.
// Every connection, joined or not, gets a totem confchg at each activation.
func TestInitialTotemConf(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	s.req(1, a, (&wire.CpgReqJoin{Group: gname("g"), PID: 100, Flags: wire.CpgModelV1DeliverInitialTotemConf}).Append(nil))
	s.deliver()
	expectEvents(t, a, "confchg g m[1:100] l[] j[1:100/1]", "totem 1.4 [1 2]")
	b := s.client(2, "b")
	s.req(2, b, joinReq("g", 200))
	s.deliver()
	expectEvents(t, a, "confchg g m[1:100,2:200] l[] j[2:200/1]")
	idle := s.client(1, "idle")
	s.confchg([]uint32{1, 2})
	expectEvents(t, idle, "totem 1.8 [1 2]")
}

// C: sync_process returns -1 when totem_mcast fails and is called again;
// the DOWNLIST is not sent twice, the JOINLIST is retried.
func TestSyncProcessRetry(t *testing.T) {
	s := newSim(t, 1)
	a := s.client(1, "a")
	s.req(1, a, joinReq("g", 100))
	s.deliver()
	n := s.nodes[1]
	n.e.Init([]uint32{1}, []uint32{1}, wire.RingID{Rep: 1, Seq: 100})
	n.full = true
	if n.e.Process() {
		t.Fatal("process done with a full queue")
	}
	n.full = false
	if !n.e.Process() {
		t.Fatal("process not done")
	}
	var kinds []uint16
	for _, m := range n.sent[len(n.sent)-2:] {
		h, _ := wire.DecodeRequestHeader(m)
		_, fn := wire.SplitServiceID(h.ID)
		kinds = append(kinds, fn)
	}
	if kinds[0] != wire.MessageReqExecCpgDownlist || kinds[1] != wire.MessageReqExecCpgJoinlist {
		t.Fatalf("sent %v", kinds)
	}
	jl, err := wire.DecodeCpgJoinlist(n.sent[len(n.sent)-1])
	if err != nil || len(jl.Entries) != 1 || jl.Entries[0].PID != 100 {
		t.Fatalf("joinlist %+v %v", jl, err)
	}
}

// Flow control: when totem has no room a join or leave changes nothing and
// answers TRY_AGAIN; the PROCDOWN of a closing connection waits for Retry.
func TestQueueFull(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	s.req(2, b, joinReq("g", 200))
	s.deliver()
	b.takeEvents(t)
	n := s.nodes[1]
	n.full = true
	if e := s.req(1, a, joinReq("g", 100)); e != wire.CsErrTryAgain {
		t.Fatalf("join on a full queue: %d", e)
	}
	n.full = false
	if e := s.req(1, a, joinReq("g", 100)); e != wire.CsOK {
		t.Fatalf("join: %d", e)
	}
	s.deliver()
	n.full = true
	n.e.LibExit(a)
	if !n.e.Retry() {
		t.Fatal("nothing pending")
	}
	n.full = false
	if n.e.Retry() {
		t.Fatal("still pending")
	}
	s.deliver()
	b.takeEvents(t)
	if m := s.nodes[2].e.Members("g"); len(m) != 1 || m[0].PID != 200 {
		t.Fatalf("members %v", m)
	}
}

// C: partial mcast forwards fragments as PARTIAL_DELIVER events; a confchg
// delivered to the sender since its FIRST fragment fails the rest with
// CS_ERR_INTERRUPT; not joined is NOT_EXIST.
func TestPartialMcast(t *testing.T) {
	s := newSim(t, 1, 2)
	a := s.client(1, "a")
	b := s.client(2, "b")
	part := func(typ uint32, data string) []byte {
		return (&wire.CpgReqPartialMcast{Guarantee: 2, MsgLen: 6, Type: typ, Data: []byte(data)}).Append(nil)
	}
	if e := s.req(1, a, part(wire.CpgPartialFirst, "abc")); e != wire.CsErrNotExist {
		t.Fatalf("unjoined partial: %d", e)
	}
	s.req(1, a, joinReq("g", 100))
	s.req(2, b, joinReq("g", 200))
	s.deliver()
	a.takeEvents(t)
	b.takeEvents(t)
	if e := s.req(1, a, part(wire.CpgPartialFirst, "abc")); e != wire.CsOK {
		t.Fatal(e)
	}
	if e := s.req(1, a, part(wire.CpgPartialLast, "def")); e != wire.CsOK {
		t.Fatal(e)
	}
	s.deliver()
	expectEvents(t, b, "partial g from 1:100 type 1 3/6", "partial g from 1:100 type 3 3/6")
	if e := s.req(1, a, part(wire.CpgPartialFirst, "abc")); e != wire.CsOK {
		t.Fatal(e)
	}
	c := s.client(2, "c")
	s.req(2, c, joinReq("g", 201))
	s.deliver()
	if e := s.req(1, a, part(wire.CpgPartialLast, "def")); e != wire.CsErrInterrupt {
		t.Fatalf("fragment after a confchg: %d, want INTERRUPT", e)
	}
}

// C: membership_get lists process_info in (nodeid, pid) order; local_get is
// the node id; iteration ALL / ONE_GROUP / NAME_ONLY with C's "grouped by"
// list building; NO_SECTIONS at the end, LIBRARY for unknown handles.
func TestQueries(t *testing.T) {
	s := newSim(t, 1, 2)
	for i, j := range []struct {
		node  uint32
		group string
		pid   uint32
	}{{2, "b", 20}, {1, "a", 11}, {1, "b", 10}, {2, "a", 21}, {1, "a", 12}} {
		c := s.client(j.node, string(rune('p'+i)))
		s.req(j.node, c, joinReq(j.group, j.pid))
	}
	s.deliver()
	q := s.client(1, "q")
	s.req(1, q, (&wire.CpgReqGroup{Group: gname("a")}).Append(nil))
	ms, err := wire.DecodeCpgResMembership(q.resp[len(q.resp)-1])
	if err != nil || addrs(ms.Members) != "1:11,1:12,2:21" {
		t.Fatalf("membership %v %v", ms, err)
	}
	s.req(1, q, (&wire.RequestHeader{ID: wire.MessageReqCpgLocalGet, Size: 16}).Append(nil))
	if h, v, err := wire.DecodeCpgResU64(q.resp[len(q.resp)-1]); err != nil || h.ID != wire.MessageResCpgLocalGet || v != 1 {
		t.Fatalf("local get %+v %d %v", h, v, err)
	}
	iterate := func(typ uint32, group string) string {
		s.req(1, q, (&wire.CpgReqIterInit{Group: gname(group), Type: typ}).Append(nil))
		_, h, _ := wire.DecodeCpgResU64(q.resp[len(q.resp)-1])
		out := ""
		for {
			if e := s.req(1, q, wire.AppendCpgReqU64(nil, wire.MessageReqCpgIterationNext, h)); e != wire.CsOK {
				if e != wire.CsErrNoSections {
					t.Fatalf("next: %d", e)
				}
				break
			}
			r, _ := wire.DecodeCpgResIterNext(q.resp[len(q.resp)-1])
			out += fmt.Sprintf("%s:%d:%d ", r.Group.String(), r.NodeID, r.PID)
		}
		if e := s.req(1, q, wire.AppendCpgReqU64(nil, wire.MessageReqCpgIterationFinalize, h)); e != wire.CsOK {
			t.Fatalf("finalize: %d", e)
		}
		if e := s.req(1, q, wire.AppendCpgReqU64(nil, wire.MessageReqCpgIterationNext, h)); e != wire.CsErrLibrary {
			t.Fatalf("next after finalize: %d", e)
		}
		return out
	}
	// process_info: 1:10 b, 1:11 a, 1:12 a, 2:20 b, 2:21 a. A new group goes
	// to the front, a known one right after that group's first entry.
	if got := iterate(wire.CpgIterationAll, ""); got != "a:1:11 a:2:21 a:1:12 b:1:10 b:2:20 " {
		t.Fatalf("ALL: %s", got)
	}
	if got := iterate(wire.CpgIterationOneGroup, "a"); got != "a:1:11 a:2:21 a:1:12 " {
		t.Fatalf("ONE_GROUP: %s", got)
	}
	if got := iterate(wire.CpgIterationNameOnly, ""); got != "a:0:0 b:0:0 " {
		t.Fatalf("NAME_ONLY: %s", got)
	}
	if e := s.req(1, q, (&wire.RequestHeader{ID: wire.MessageReqCpgJoin, Size: 16}).Append(nil)); e != wire.CsErrInvalidParam {
		t.Fatalf("short join: %d", e)
	}
}

// C: every guarantee (UNORDERED 0, FIFO 1, AGREED 2, SAFE 3) is sent
// TOTEM_AGREED and produces the same exec message.
func TestGuaranteeIgnored(t *testing.T) {
	s := newSim(t, 1)
	a := s.client(1, "a")
	s.req(1, a, joinReq("g", 100))
	s.deliver()
	var msgs [][]byte
	for g := uint32(0); g <= 3; g++ {
		s.nodes[1].e.LibRequest(a, (&wire.CpgReqMcast{Guarantee: g, Message: []byte("x")}).Append(nil))
		msgs = append(msgs, s.nodes[1].sent[len(s.nodes[1].sent)-1])
	}
	for _, m := range msgs[1:] {
		if string(m) != string(msgs[0]) {
			t.Fatal("guarantee changed the exec message")
		}
	}
}

// C: downlist_inform_clients groups the NODEDOWN entries in a map keyed by
// the group name as a C string, so "a" (length 1) and "a\0" (length 2, as
// Pacemaker builds names) share one entry: one confchg, named after the
// first of them in process_info order, carries both processes, and the
// members of "a\0" get no confchg. We reproduce it.
func TestDownlistGroupKeyCollision(t *testing.T) {
	s := newSim(t, 1, 2)
	a1 := s.client(1, "a1")
	a0 := s.client(1, "a0")
	b1 := s.client(2, "b1")
	b0 := s.client(2, "b0")
	nul := wire.CpgName{Length: 2, Value: [128]byte{'a'}}
	joinNul := func(pid uint32) []byte { return (&wire.CpgReqJoin{Group: nul, PID: pid}).Append(nil) }
	s.req(1, a1, joinReq("a", 10))
	s.req(1, a0, joinNul(11))
	s.req(2, b1, joinReq("a", 20))
	s.req(2, b0, joinNul(21))
	s.deliver()
	for _, c := range []*fakeConn{a1, a0, b1, b0} {
		c.takeEvents(t)
	}
	s.confchg([]uint32{1}, []uint32{2})
	expectEvents(t, a1, "confchg a m[1:10] l[2:20/3,2:21/3] j[]", "totem 1.8 [1]")
	ev := a0.takeEvents(t)
	if len(ev) != 1 || ev[0] != "totem 1.8 [1]" {
		t.Fatalf("a\\0 member got %q", ev)
	}
}

// fullConn's event queue is full; it records being closed.
type fullConn struct {
	fakeConn
	closed chan struct{}
}

func (c *fullConn) SendEvent([]byte) error             { return syscall.EAGAIN }
func (c *fullConn) SendEventHeld([]byte) (bool, error) { return false, syscall.EAGAIN }
func (c *fullConn) Close()                             { close(c.closed) }

// A client that cannot take an event is disconnected (C would queue
// without bound; a silently missed event would break virtual synchrony).
func TestEventOverflowDisconnects(t *testing.T) {
	s := newSim(t, 1)
	a := &fullConn{fakeConn: fakeConn{name: "full"}, closed: make(chan struct{})}
	s.nodes[1].e.LibInit(a)
	s.nodes[1].e.LibRequest(a, joinReq("g", 100))
	s.deliver()
	select {
	case <-a.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("client not disconnected")
	}
}
