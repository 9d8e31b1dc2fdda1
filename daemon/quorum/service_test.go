package quorum

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

var seq atomic.Int64

type fixture struct {
	s    *Service
	name string
	mu   sync.Mutex
	logs []string
}

func newFixture(t *testing.T, provider string) *fixture {
	m := icmap.New()
	if provider != "" {
		m.Set("quorum.provider", provider)
	}
	f := &fixture{name: fmt.Sprintf("gv-q-%d-%d", os.Getpid(), seq.Add(1))}
	f.s = New(Options{Map: m, Name: f.name, Log: func(l int, msg string) {
		f.mu.Lock()
		f.logs = append(f.logs, msg)
		f.mu.Unlock()
	}})
	if _, err := f.s.Start(); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("/dev/shm", "gvq")
	if err != nil {
		t.Fatal(err)
	}
	srv := ipc.NewServer(ipc.Config{ShmDir: dir})
	if _, err := f.s.RegisterIPC(srv); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srv.SetReady(true)
	t.Cleanup(func() { srv.Close(); os.RemoveAll(dir) })
	return f
}

func (f *fixture) logged(s string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.logs {
		if l == s {
			return true
		}
	}
	return false
}

type client struct {
	t *testing.T
	c *ipc.Client
}

func (f *fixture) dial(t *testing.T) *client {
	c, err := ipc.Dial(f.name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t, c}
}

func (c *client) req(r *wire.QuorumRequest, wantID int32, wantSize int) (wire.CsError, []byte) {
	c.t.Helper()
	b, _ := r.Append(nil)
	res, err := c.c.Request(b, 10*time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	h, err := wire.DecodeResponseHeader(res)
	if err != nil || h.ID != wantID || int(h.Size) != wantSize || len(res) != wantSize {
		c.t.Fatalf("response %+v (%d bytes), want id %d size %d", h, len(res), wantID, wantSize)
	}
	return wire.CsError(h.Error), res
}

func (c *client) event() []byte {
	c.t.Helper()
	ev, err := c.c.RecvEvent(5 * time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	return ev
}

var le = binary.LittleEndian

func TestQuorumV1Tracking(t *testing.T) {
	f := newFixture(t, "corosync_votequorum")
	if !f.logged("Using quorum provider corosync_votequorum") {
		t.Fatalf("logs %q", f.logs)
	}
	f.s.Init([]uint32{1}, []uint32{1, 2}, wire.RingID{Rep: 1, Seq: 8})
	f.s.Activate()
	f.s.SetQuorum([]uint32{1, 2}, true, wire.RingID{Rep: 1, Seq: 8})
	for _, l := range []string{"Sync members[2]: 1 2", "Sync joined[2]: 1 2", "Members[2]: 1 2",
		"This node is within the primary component and will provide service."} {
		if !f.logged(l) {
			t.Fatalf("no %q in %q", l, f.logs)
		}
	}
	c := f.dial(t)
	if e, res := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumModelGettype, Model: 1}, wire.MessageResQuorumModelGettype, 32); e != wire.CsOK || le.Uint32(res[24:]) != 1 {
		t.Fatalf("model_gettype = %v % x", e, res)
	}
	if e, _ := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumModelGettype, Model: 2}, wire.MessageResQuorumModelGettype, 32); e != wire.CsErrInvalidParam {
		t.Fatalf("model 2 = %v", e)
	}
	if e, res := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumGetquorate}, wire.MessageResQuorumGetquorate, 32); e != wire.CsOK || le.Uint32(res[24:]) != 1 {
		t.Fatalf("getquorate = %v % x", e, res)
	}
	if e, _ := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstart, TrackFlags: wire.CsTrackCurrent | wire.CsTrackChanges}, wire.MessageResQuorumTrackstart, 24); e != wire.CsOK {
		t.Fatalf("trackstart = %v", e)
	}
	// initial status: node list without joined/left, then the quorum
	ev := c.event()
	if le.Uint32(ev) != 7 || len(ev) != 72 || le.Uint32(ev[40:]) != 2 || le.Uint32(ev[48:]) != 0 || le.Uint32(ev[56:]) != 0 || ev[24] != 1 || ev[32] != 8 {
		t.Fatalf("nodelist % x", ev)
	}
	ev = c.event()
	if le.Uint32(ev) != 6 || len(ev) != 64 || ev[24] != 1 || ev[32] != 1 || ev[40] != 8 || ev[48] != 2 {
		t.Fatalf("quorum v1 % x", ev)
	}
	if e, _ := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstart, TrackFlags: wire.CsTrackChanges}, wire.MessageResQuorumTrackstart, 24); e != wire.CsErrExist {
		t.Fatalf("second trackstart = %v", e)
	}
	// C sends the current status before it notices the EXIST
	if ev := c.event(); le.Uint32(ev) != 7 {
		t.Fatalf("status before EXIST % x", ev)
	}
	if ev := c.event(); le.Uint32(ev) != 6 {
		t.Fatalf("status before EXIST % x", ev)
	}
	// node 2 leaves, node 3 joins
	f.s.Init([]uint32{1}, []uint32{1, 3}, wire.RingID{Rep: 1, Seq: 12})
	f.s.Activate()
	ev = c.event()
	if le.Uint32(ev) != 7 || le.Uint32(ev[40:]) != 2 || le.Uint32(ev[48:]) != 1 || le.Uint32(ev[56:]) != 1 ||
		le.Uint32(ev[60:]) != 1 || le.Uint32(ev[64:]) != 3 || le.Uint32(ev[68:]) != 3 || le.Uint32(ev[72:]) != 2 {
		t.Fatalf("nodelist after change % x", ev)
	}
	if !f.logged("Sync joined[1]: 3") || !f.logged("Sync left[1]: 2") {
		t.Fatalf("logs %q", f.logs)
	}
	f.s.SetQuorum([]uint32{1}, false, wire.RingID{Rep: 1, Seq: 12})
	ev = c.event()
	if le.Uint32(ev) != 6 || ev[24] != 0 || ev[48] != 1 {
		t.Fatalf("quorum v1 % x", ev)
	}
	if !f.logged("This node is within the non-primary component and will NOT provide any services.") {
		t.Fatalf("logs %q", f.logs)
	}
	for i := 0; i < 2; i++ { // C answers OK even when not tracking
		if e, _ := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstop}, wire.MessageResQuorumTrackstop, 24); e != wire.CsOK {
			t.Fatalf("trackstop = %v", e)
		}
	}
}

func TestQuorumV0(t *testing.T) {
	f := newFixture(t, "")
	c := f.dial(t)
	// without a provider: QUORUM_FREE and quorate
	if e, res := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumGettype}, wire.MessageResQuorumGettype, 32); e != wire.CsOK || le.Uint32(res[24:]) != 0 {
		t.Fatalf("gettype = %v % x", e, res)
	}
	if e, _ := c.req(&wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstart, TrackFlags: wire.CsTrackChangesOnly}, wire.MessageResQuorumTrackstart, 24); e != wire.CsOK {
		t.Fatalf("trackstart = %v", e)
	}
	// a V0 client never gets the V1 node list
	f.s.Init(nil, []uint32{4}, wire.RingID{Rep: 4, Seq: 4})
	f.s.Activate()
	f.s.SetQuorum([]uint32{4}, true, wire.RingID{Rep: 4, Seq: 4})
	ev := c.event()
	if le.Uint32(ev) != 3 || len(ev) != 52 || ev[24] != 1 || ev[32] != 4 || ev[40] != 1 || ev[44] != 4 {
		t.Fatalf("v0 notification % x", ev)
	}
}

func TestQuorumBadProvider(t *testing.T) {
	m := icmap.New()
	m.Set("quorum.provider", "corosync_ykd")
	if _, err := New(Options{Map: m}).Start(); err == nil || err.Error() != "Invalid quorum provider" {
		t.Fatalf("err = %v", err)
	}
}

func TestLogViewListWraps(t *testing.T) {
	var lines []string
	s := New(Options{Log: func(_ int, m string) { lines = append(lines, m) }})
	var ids []uint32
	for i := uint32(1); i <= 40; i++ {
		ids = append(ids, 1000+i)
	}
	s.logViewList(ids, "Members")
	// 12 five-byte items fit in the 64-byte buffer (63 chars + NUL)
	if len(lines) != 4 || !strings.HasSuffix(lines[0], "\\") || strings.Count(lines[0], " ") != 12 ||
		!strings.HasPrefix(lines[0], "Members[40]: 1001 ") || strings.HasSuffix(lines[3], "\\") {
		t.Fatalf("%q", lines)
	}
}
