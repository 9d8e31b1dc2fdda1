package cpg

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

var nameSeq atomic.Int64

// loopback is a one-node daemon: an ipc server with the cpg service and a
// "totem" that delivers every exec message back, in order, from its own
// goroutine (as the ring does).
type loopback struct {
	e    *Engine
	srv  *ipc.Server
	name string
	q    chan []byte
	busy atomic.Bool
	fc   atomic.Bool
	wg   sync.WaitGroup
}

// Queue levels at which the loopback turns the clients' flow-control word
// on and off, as corosync does when the totem queue gets critical (MCAST
// requests have no response, so this is their only back-pressure).
const (
	fcOnLevel  = 128
	fcOffLevel = 16
)

// flowControl sets a level on every connection; the loopback uses 1
// (QB_IPCS_RATE_OFF), which stops every request, MCAST or not.
func (l *loopback) flowControl(level int32) {
	for _, c := range l.srv.Connections(l.name) {
		c.SetFlowControl(level)
	}
}

// newLoopback serves under a unique socket name: abstract sockets are
// shared by every test running in this network namespace.
func newLoopback(t testing.TB) *loopback {
	return newLoopbackNamed(t, fmt.Sprintf("gpcpg-%d-%d", os.Getpid(), nameSeq.Add(1)), t.TempDir())
}

func newLoopbackNamed(t testing.TB, name, zcdir string) *loopback {
	return newLoopbackTransport(t, name, zcdir, ipc.SHM)
}

func newLoopbackTransport(t testing.TB, name, zcdir string, tr ipc.Transport) *loopback {
	t.Helper()
	l := &loopback{name: name, q: make(chan []byte, 1<<16)}
	l.e = New(Config{NodeID: 7, ZeroCopyDirs: []string{zcdir}, Mcast: func(iov ...[]byte) error {
		select {
		case l.q <- bytes.Join(iov, nil):
			if len(l.q) > fcOnLevel && !l.fc.Swap(true) {
				l.flowControl(1)
			}
			return nil
		default:
			return errors.New("queue full")
		}
	}})
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for m := range l.q {
			l.e.Deliver(7, m)
			if len(l.q) == 0 {
				// The end of a batch, as the daemon's ring flushes
				// at the end of a turn.
				l.e.FlushEvents()
			}
			if len(l.q) < fcOffLevel && l.fc.Swap(false) {
				l.flowControl(0)
			}
		}
	}()
	l.e.Init(nil, []uint32{7}, wire.RingID{Rep: 7, Seq: 4})
	if !l.e.Process() {
		t.Fatal("sync process")
	}
	l.e.Activate()
	l.srv = ipc.NewServer(ipc.Config{Transport: tr, ShmDir: t.TempDir(), Busy: l.busy.Load, EventQueueLen: 1 << 17})
	if _, err := l.e.RegisterIPC(l.srv, l.name); err != nil {
		t.Fatal(err)
	}
	if err := l.srv.Start(); err != nil {
		t.Fatal(err)
	}
	l.srv.SetReady(true)
	t.Cleanup(func() {
		l.srv.Close()
		close(l.q)
		l.wg.Wait()
	})
	return l
}

func (l *loopback) dial(t testing.TB, pid uint32, flags uint32) *Client {
	t.Helper()
	c, err := Dial(l.name, flags)
	if err != nil {
		t.Fatal(err)
	}
	c.SetPID(pid)
	t.Cleanup(func() { c.Close() })
	return c
}

func next(t *testing.T, c *Client) string {
	t.Helper()
	ev, err := c.NextEvent(5 * time.Second)
	if err != nil {
		t.Fatalf("event: %v", err)
	}
	switch m := ev.(type) {
	case *wire.CpgConfchg:
		return fmt.Sprintf("confchg %s m[%s] l[%s] j[%s]", m.Group.String(), addrs(m.Members), addrs(m.Left), addrs(m.Joined))
	case *wire.CpgDeliver:
		if len(m.Message) > 64 {
			return fmt.Sprintf("deliver %s from %d:%d %d bytes", m.Group.String(), m.NodeID, m.PID, len(m.Message))
		}
		return fmt.Sprintf("deliver %s from %d:%d %q", m.Group.String(), m.NodeID, m.PID, m.Message)
	case *wire.CpgTotemConfchg:
		return fmt.Sprintf("totem %s %v", m.RingID, m.Members)
	}
	t.Fatalf("event %T", ev)
	return ""
}

func want(t *testing.T, c *Client, w ...string) {
	t.Helper()
	for _, s := range w {
		if got := next(t, c); got != s {
			t.Fatalf("event %q, want %q", got, s)
		}
	}
}

func isCS(err error, e wire.CsError) bool {
	var cs ErrCS
	return errors.As(err, &cs) && wire.CsError(cs) == e
}

// Every libcpg request through the real IPC server and our Go client.
func TestIPCRequests(t *testing.T) {
	l := newLoopback(t)
	a := l.dial(t, 100, wire.CpgModelV1DeliverInitialTotemConf)
	b := l.dial(t, 200, 0)
	if err := a.Join("g"); err != nil {
		t.Fatal(err)
	}
	want(t, a, "confchg g m[7:100] l[] j[7:100/1]", "totem 7.4 [7]")
	if err := a.Join("g"); !isCS(err, wire.CsErrExist) {
		t.Fatalf("join twice: %v", err)
	}
	if err := b.Leave("g"); !isCS(err, wire.CsErrNotExist) {
		t.Fatalf("leave unjoined: %v", err)
	}
	if err := b.Join("g"); err != nil {
		t.Fatal(err)
	}
	want(t, a, "confchg g m[7:100,7:200] l[] j[7:200/1]")
	want(t, b, "confchg g m[7:100,7:200] l[] j[7:200/1]")

	if err := a.McastJoined([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	want(t, a, `deliver g from 7:100 "hello"`)
	want(t, b, `deliver g from 7:100 "hello"`)

	// Above 1 MiB − 1024 libcpg switches to PARTIAL_MCAST; the receiving
	// library reassembles.
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16+5)
	if err := b.McastJoined(big); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Client{a, b} {
		ev, err := c.NextEvent(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := ev.(*wire.CpgDeliver)
		if !ok || !bytes.Equal(d.Message, big) || d.PID != 200 {
			t.Fatalf("big message: %T", ev)
		}
	}
	// The largest single MCAST.
	max := bytes.Repeat([]byte{0xa5}, int(ipc.DefaultMaxMsgSize)-1024)
	if err := a.McastJoined(max); err != nil {
		t.Fatal(err)
	}
	want(t, b, fmt.Sprintf("deliver g from 7:100 %d bytes", len(max)))
	want(t, a, fmt.Sprintf("deliver g from 7:100 %d bytes", len(max)))

	m, err := b.MembershipGet("g")
	if err != nil || addrs(m) != "7:100,7:200" {
		t.Fatalf("membership %v %v", m, err)
	}
	if id, err := b.LocalGet(); err != nil || id != 7 {
		t.Fatalf("local get %d %v", id, err)
	}
	it, err := b.Iterate(wire.CpgIterationAll, "")
	if err != nil || len(it) != 2 || it[0].Group.String() != "g" {
		t.Fatalf("iterate %+v %v", it, err)
	}

	if err := a.Leave("g"); err != nil {
		t.Fatal(err)
	}
	want(t, a, "confchg g m[7:200] l[7:100/2] j[]")
	want(t, b, "confchg g m[7:200] l[7:100/2] j[]")

	// b dies without finalize: PROCDOWN.
	c := l.dial(t, 300, 0)
	if err := c.Join("g"); err != nil {
		t.Fatal(err)
	}
	want(t, b, "confchg g m[7:200,7:300] l[] j[7:300/1]")
	want(t, c, "confchg g m[7:200,7:300] l[] j[7:300/1]")
	if err := c.Finalize(); err != nil {
		t.Fatal(err)
	}
	want(t, b, "confchg g m[7:200] l[7:300/5] j[]")
}

// Flow control: FLOW_CONTROL_REQUIRED requests are answered TRY_AGAIN while
// the daemon is busy (totem backlog, sync); queries still work.
func TestIPCFlowControl(t *testing.T) {
	l := newLoopback(t)
	a := l.dial(t, 100, 0)
	l.busy.Store(true)
	if err := a.Join("g"); !isCS(err, wire.CsErrTryAgain) {
		t.Fatalf("join while busy: %v", err)
	}
	if _, err := a.LocalGet(); err != nil {
		t.Fatalf("local get while busy: %v", err)
	}
	l.busy.Store(false)
	if err := a.Join("g"); err != nil {
		t.Fatal(err)
	}
	want(t, a, "confchg g m[7:100] l[] j[7:100/1]")
}

// Zero-copy: the daemon maps the library's file, writes its buffer address
// at offset 8, and ZC_EXECUTE multicasts the request found at offset 16.
func TestIPCZeroCopy(t *testing.T) {
	l := newLoopback(t)
	dir := l.e.cfg.ZeroCopyDirs[0]
	a := l.dial(t, 100, 0)
	z, err := a.ZcbAlloc(dir, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ZcbMcastJoined(z, 3); !isCS(err, wire.CsErrNotExist) {
		t.Fatalf("zc mcast unjoined: %v", err)
	}
	if err := a.Join("g"); err != nil {
		t.Fatal(err)
	}
	want(t, a, "confchg g m[7:100] l[] j[7:100/1]")
	copy(z.Data(), "zero-copy!")
	if err := a.ZcbMcastJoined(z, 10); err != nil {
		t.Fatal(err)
	}
	want(t, a, `deliver g from 7:100 "zero-copy!"`)
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("daemon left the file: %v", ents)
	}
	if err := a.ZcbFree(z); err != nil {
		t.Fatal(err)
	}
	// An address that is not a buffer of this connection.
	if _, e, err := a.request(wire.AppendCpgReqU64(nil, wire.MessageReqCpgZcExecute, 12345)); err != nil || e != wire.CsErrBadHandle {
		t.Fatalf("bogus address: %d %v", e, err)
	}
	// A path outside the zero-copy directories is refused and left alone.
	f, err := os.CreateTemp(t.TempDir(), "corosync_zerocopy-")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	req := wire.CpgReqZcAlloc{MapSize: 4096}
	copy(req.Path[:], f.Name())
	if _, e, err := a.request(req.Append(nil)); err != nil || e != wire.CsErrLibrary {
		t.Fatalf("foreign path: %d %v", e, err)
	}
	if _, err := os.Stat(f.Name()); err != nil {
		t.Fatalf("foreign file touched: %v", err)
	}
}

// Agreed order through the IPC path: four clients multicast concurrently;
// every client sees every message, all in one order, each sender's in FIFO
// order.
func TestIPCAgreedOrder(t *testing.T) {
	l := newLoopback(t)
	const senders, per = 4, 150
	var cs []*Client
	for i := 0; i < senders; i++ {
		c := l.dial(t, uint32(100+i), 0)
		if err := c.Join("order"); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	// Each client sees the joins of itself and of those after it.
	for i, c := range cs {
		for j := i; j < senders; j++ {
			if _, err := c.NextEvent(5 * time.Second); err != nil {
				t.Fatal(err)
			}
		}
	}
	seqs := make([][]string, senders)
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for k := 0; k < per; k++ {
				msg := []byte(fmt.Sprintf("%d-%d", i, k))
				for c.McastJoined(msg) != nil {
					time.Sleep(100 * time.Microsecond)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for len(seqs[i]) < senders*per {
				ev, err := c.NextEvent(10 * time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if d, ok := ev.(*wire.CpgDeliver); ok {
					seqs[i] = append(seqs[i], string(d.Message))
				}
			}
		}()
	}
	wg.Wait()
	for i := 1; i < senders; i++ {
		if fmt.Sprint(seqs[i]) != fmt.Sprint(seqs[0]) {
			t.Fatalf("client %d saw another order", i)
		}
	}
	next := make([]int, senders)
	for _, m := range seqs[0] {
		var s, k int
		fmt.Sscanf(m, "%d-%d", &s, &k)
		if k != next[s] {
			t.Fatalf("sender %d: message %d after %d", s, k, next[s]-1)
		}
		next[s]++
	}
}
