package votequorum

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

var nameSeq atomic.Int64

// single is a one-node cluster: the engine's multicasts come back to it in
// order, delivered by a pump goroutine under the IPC lock (as the daemon's
// ring would), so a qdevice registration completes asynchronously as in C.
type single struct {
	e    *Engine
	v    *IPC
	name string
	mu   sync.Mutex
	pmu  sync.Mutex // one pump at a time, so pump() returns with all delivered
	q    [][]byte
	kick chan struct{}
}

func newSingle(t *testing.T, conf map[string]any) *single {
	m := icmap.New()
	m.Set("nodelist.local_node_pos", uint32(0))
	m.Set("nodelist.node.0.nodeid", uint32(1))
	m.Set("nodelist.node.1.nodeid", uint32(2))
	m.Set("nodelist.node.2.nodeid", uint32(3))
	for k, v := range conf {
		m.Set(k, v)
	}
	s := &single{kick: make(chan struct{}, 1)}
	s.name = fmt.Sprintf("gv-vq-%d-%d", os.Getpid(), nameSeq.Add(1))
	s.e = New(Options{NodeID: 1, Map: m, StateDir: t.TempDir(), Hooks: Hooks{Mcast: func(b []byte) error {
		s.mu.Lock()
		s.q = append(s.q, b)
		s.mu.Unlock()
		select {
		case s.kick <- struct{}{}:
		default:
		}
		return nil
	}}})
	if err := s.e.Start(); err != nil {
		t.Fatal(err)
	}
	s.v = &IPC{E: s.e, Name: s.name}
	dir, err := os.MkdirTemp("/dev/shm", "gvvq")
	if err != nil {
		t.Fatal(err)
	}
	srv := ipc.NewServer(ipc.Config{ShmDir: dir})
	if _, err := s.v.RegisterIPC(srv); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srv.SetReady(true)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-s.kick:
				s.pump()
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		srv.Close()
		os.RemoveAll(dir)
	})
	s.pump()
	return s
}

func (s *single) pump() {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	for {
		s.mu.Lock()
		if len(s.q) == 0 {
			s.mu.Unlock()
			return
		}
		b := s.q[0]
		s.q = s.q[1:]
		s.mu.Unlock()
		s.v.Lock.Lock()
		if err := s.e.Deliver(s.e.us.id, b); err != nil {
			panic(err)
		}
		s.v.Lock.Unlock()
	}
}

// sync runs a sync round for membership members on the engine.
func (s *single) sync(members []uint32, ring wire.RingID) {
	s.v.Lock.Lock()
	s.e.Init(nil, members, ring)
	s.e.Process()
	s.v.Lock.Unlock()
	s.pump()
	s.v.Lock.Lock()
	s.e.Activate()
	s.v.Lock.Unlock()
	s.pump()
}

type vqClient struct {
	t *testing.T
	c *ipc.Client
}

func (s *single) dial(t *testing.T) *vqClient {
	c, err := ipc.Dial(s.name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &vqClient{t, c}
}

func (c *vqClient) req(r *wire.VotequorumRequest) []byte {
	c.t.Helper()
	b, err := r.Append(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	res, err := c.c.Request(b, 10*time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

func (c *vqClient) status(r *wire.VotequorumRequest) wire.CsError {
	c.t.Helper()
	res := c.req(r)
	h, err := wire.DecodeResponseHeader(res)
	if err != nil || h.ID != wire.MessageResVotequorumStatus || len(res) != 24 || h.Size != 24 {
		c.t.Fatalf("status response %+v (%d bytes): %v", h, len(res), err)
	}
	return wire.CsError(h.Error)
}

func (c *vqClient) info(nodeid uint32) (*wire.VotequorumInfo, wire.CsError) {
	c.t.Helper()
	res := c.req(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumGetinfo, NodeID: nodeid})
	if len(res) != wire.VotequorumGetinfoResSize {
		c.t.Fatalf("getinfo: %d bytes", len(res))
	}
	in, e, err := wire.DecodeVotequorumGetinfo(res)
	if err != nil {
		c.t.Fatal(err)
	}
	return in, e
}

func (c *vqClient) event() []byte {
	c.t.Helper()
	ev, err := c.c.RecvEvent(5 * time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	return ev
}

func TestIPCGetinfoAndSetexpected(t *testing.T) {
	s := newSingle(t, nil)
	c := s.dial(t)
	in, e := c.info(0)
	want := wire.VotequorumInfo{NodeID: 1, State: NodeStateMember, Votes: 1, ExpectedVotes: 3,
		HighestExpected: 3, TotalVotes: 1, Quorum: 2}
	if e != wire.CsOK || *in != want {
		t.Fatalf("getinfo(0) = %+v %v, want %+v", *in, e, want)
	}
	if _, e := c.info(7); e != wire.CsErrNotExist {
		t.Fatalf("getinfo(7) = %v, want NOT_EXIST", e)
	}
	// below the total votes: refused
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetexpected, ExpectedVotes: 0}); e != wire.CsErrInvalidParam {
		t.Fatalf("setexpected 0 = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetexpected, ExpectedVotes: 1}); e != wire.CsOK {
		t.Fatalf("setexpected 1 = %v", e)
	}
	s.pump()
	in, _ = c.info(1)
	if in.ExpectedVotes != 1 || in.Quorum != 1 || in.Flags&wire.VotequorumInfoQuorate == 0 {
		t.Fatalf("after setexpected 1: %+v", *in)
	}
	// a quorate cluster refuses an expected that would make it inquorate
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetexpected, ExpectedVotes: 9}); e != wire.CsErrInvalidParam {
		t.Fatalf("setexpected 9 while quorate = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetvotes, NodeID: 5, Votes: 2}); e != wire.CsErrNameNotFound {
		t.Fatalf("setvotes unknown node = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetvotes, NodeID: 1, Votes: 2}); e != wire.CsOK {
		t.Fatalf("setvotes = %v", e)
	}
	s.pump()
	if in, _ := c.info(1); in.Votes != 2 || in.TotalVotes != 2 {
		t.Fatalf("after setvotes: %+v", *in)
	}
}

func TestIPCTrackingEvents(t *testing.T) {
	s := newSingle(t, map[string]any{"quorum.expected_votes": uint32(2)})
	s.sync([]uint32{1}, wire.RingID{Rep: 1, Seq: 4})
	c := s.dial(t)
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumTrackstart, Context: 0xabcdef, TrackFlags: wire.CsTrackChanges}); e != wire.CsOK {
		t.Fatalf("trackstart = %v", e)
	}
	le := binary.LittleEndian
	// NODELIST then QUORUM, before the response
	ev := c.event()
	if le.Uint32(ev) != uint32(wire.MessageResVotequorumNodelistNotification) || len(ev) != 60 ||
		le.Uint64(ev[24:]) != 0xabcdef || le.Uint32(ev[32:]) != 1 || le.Uint64(ev[40:]) != 4 ||
		le.Uint32(ev[48:]) != 1 || le.Uint32(ev[56:]) != 1 {
		t.Fatalf("nodelist event % x", ev)
	}
	ev = c.event()
	if le.Uint32(ev) != uint32(wire.MessageResVotequorumQuorumNotification) || len(ev) != 56 ||
		le.Uint32(ev[24:]) != 0 || le.Uint64(ev[32:]) != 0xabcdef || le.Uint32(ev[40:]) != 1 ||
		le.Uint32(ev[48:]) != 1 || le.Uint32(ev[52:]) != NodeStateMember {
		t.Fatalf("quorum event % x", ev)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumTrackstart, TrackFlags: wire.CsTrackChangesOnly}); e != wire.CsErrExist {
		t.Fatalf("second trackstart = %v", e)
	}
	// node 2 joins: nodelist at process time, quorum (now quorate) at activate
	s.v.Lock.Lock()
	s.e.Init(nil, []uint32{1, 2}, wire.RingID{Rep: 1, Seq: 8})
	s.e.Process()
	s.e.Deliver(2, mustAppend(t, &wire.VotequorumNodeinfo{NodeID: 2, Votes: 1, ExpectedVotes: 2, Flags: 0}))
	s.v.Lock.Unlock()
	s.pump()
	s.v.Lock.Lock()
	s.e.Activate()
	s.v.Lock.Unlock()
	ev = c.event()
	if le.Uint32(ev) != uint32(wire.MessageResVotequorumNodelistNotification) || le.Uint32(ev[48:]) != 2 {
		t.Fatalf("nodelist event % x", ev)
	}
	var quorate uint32
	for quorate == 0 {
		ev = c.event()
		if le.Uint32(ev) == uint32(wire.MessageResVotequorumQuorumNotification) {
			quorate = le.Uint32(ev[24:])
			if quorate == 0 {
				continue
			}
			if le.Uint32(ev[40:]) != 2 || le.Uint32(ev[48:]) != 1 || le.Uint32(ev[56:]) != 2 {
				t.Fatalf("quorum event % x", ev)
			}
		}
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumTrackstop}); e != wire.CsOK {
		t.Fatalf("trackstop = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumTrackstop}); e != wire.CsErrNotExist {
		t.Fatalf("second trackstop = %v", e)
	}
}

func mustAppend(t *testing.T, m interface{ Append([]byte) ([]byte, error) }) []byte {
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIPCQdevice(t *testing.T) {
	s := newSingle(t, map[string]any{"quorum.device.model": "net"})
	s.sync([]uint32{1}, wire.RingID{Rep: 1, Seq: 4})
	c := s.dial(t)
	name := "Qdevice"
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: name, CastVote: 1, RingID: wire.RingID{Rep: 1, Seq: 4}}); e != wire.CsErrNotExist {
		t.Fatalf("poll before register = %v", e)
	}
	// the response only comes once the QDEVICE_REG exec message is back
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceRegister, Name: name}); e != wire.CsOK {
		t.Fatalf("register = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceRegister, Name: "other"}); e != wire.CsErrExist {
		t.Fatalf("register other = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: name, CastVote: 1, RingID: wire.RingID{Rep: 1, Seq: 3}}); e != wire.CsErrMessageError {
		t.Fatalf("poll old ring = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: "x", CastVote: 1, RingID: wire.RingID{Rep: 1, Seq: 4}}); e != wire.CsErrInvalidParam {
		t.Fatalf("poll wrong name = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: name, CastVote: 1, RingID: wire.RingID{Rep: 1, Seq: 4}}); e != wire.CsOK {
		t.Fatalf("poll = %v", e)
	}
	s.pump()
	// qdevice votes: nodelist of 3 with 1 vote each => 2, expected 5
	in, _ := c.info(0)
	want := wire.VotequorumInfoQdeviceRegistered | wire.VotequorumInfoQdeviceAlive | wire.VotequorumInfoQdeviceCastVote
	if in.Flags&want != want || in.QdeviceName != name || in.QdeviceVotes != 2 || in.TotalVotes != 3 || in.ExpectedVotes != 5 || in.Quorum != 3 ||
		in.Flags&wire.VotequorumInfoQuorate == 0 {
		t.Fatalf("getinfo with qdevice: %+v", *in)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceMasterWins, Name: name, Allow: 1}); e != wire.CsOK {
		t.Fatalf("master_wins = %v", e)
	}
	if v, _ := s.e.opt.Map.GetUint8("runtime.votequorum.qdevice_master_wins"); v != 1 {
		t.Fatalf("qdevice_master_wins key = %d", v)
	}
	// no poll within quorum.device.timeout: the vote is lost (our own
	// NODEINFO still in flight would restore the flags, as in C)
	s.pump()
	s.v.Lock.Lock()
	s.e.Advance(11 * time.Second)
	s.v.Lock.Unlock()
	s.pump()
	if in, _ := c.info(0); in.Flags&wire.VotequorumInfoQdeviceAlive != 0 || in.TotalVotes != 1 {
		t.Fatalf("after the qdevice timeout: %+v", *in)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUpdate, Name: name, NewName: "New"}); e != wire.CsOK {
		t.Fatalf("update = %v", e)
	}
	s.pump()
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUnregister, Name: name}); e != wire.CsErrInvalidParam {
		t.Fatalf("unregister old name = %v", e)
	}
	if e := c.status(&wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUnregister, Name: "New"}); e != wire.CsOK {
		t.Fatalf("unregister = %v", e)
	}
	s.pump()
	if in, _ := c.info(0); in.Flags&wire.VotequorumInfoQdeviceRegistered != 0 || in.QdeviceName != "" {
		t.Fatalf("after unregister: %+v", *in)
	}
}

func TestIPCBadRequest(t *testing.T) {
	s := newSingle(t, nil)
	c := s.dial(t)
	// a register without NUL in the name would make C read past the array
	b := wire.RequestHeader{ID: wire.MessageReqVotequorumQdeviceRegister, Size: 272}.Append(nil)
	for len(b) < 272 {
		b = append(b, 'a')
	}
	res, err := c.c.Request(b, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := wire.DecodeResponseHeader(res); wire.CsError(h.Error) != wire.CsErrInvalidParam {
		t.Fatalf("response %+v", h)
	}
}
