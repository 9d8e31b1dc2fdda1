package cfg

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

var nameSeq atomic.Int64

// fakeNode is a node of a 3-node udpu cluster (10.0.0.1-3) whose ring
// loops every multicast back to the engine in order, on its own goroutine.
type fakeNode struct {
	UDPNode
	mu      sync.Mutex
	sent    [][]byte
	eng     *Engine
	q       chan []byte
	failErr error
}

func (n *fakeNode) Mcast(msg []byte) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failErr != nil {
		return n.failErr
	}
	n.sent = append(n.sent, append([]byte(nil), msg...))
	n.q <- append([]byte(nil), msg...)
	return nil
}

func (n *fakeNode) sentIDs() []int32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ids []int32
	for _, m := range n.sent {
		h, _ := wire.DecodeRequestHeader(m)
		ids = append(ids, h.ID)
	}
	return ids
}

func testNodes() []confparse.Node {
	var out []confparse.Node
	for i := 1; i <= 3; i++ {
		n := confparse.Node{Pos: i - 1, NodeID: uint32(i), Name: fmt.Sprintf("node%d", i), Votes: 1}
		n.Addrs[0] = net.IPv4(10, 0, 0, byte(i))
		out = append(out, n)
	}
	return out
}

type fixture struct {
	t       testing.TB
	m       *icmap.Map
	node    *fakeNode
	eng     *Engine
	name    string
	conf    string
	logs    chan string
	events  chan string // shutdown, fatal, reopen, apply
	timers  chan func() // fired by the test
	applied atomic.Pointer[confparse.Config]
}

func newFixture(t testing.TB, mod func(*Config)) *fixture {
	dir, err := os.MkdirTemp("/dev/shm", "gfcfg")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, m: icmap.New(), logs: make(chan string, 1000), events: make(chan string, 100),
		timers: make(chan func(), 10)}
	f.name = fmt.Sprintf("gf-cfg-%d-%d", os.Getpid(), nameSeq.Add(1))
	f.conf = t.TempDir() + "/corosync.conf"
	members := []uint32{1, 2}
	f.node = &fakeNode{q: make(chan []byte, 100)}
	f.node.UDPNode = UDPNode{NodeID: 1, Members: func() []uint32 { return members },
		Nodes: testNodes, NetMTU: func() int { return UDPNetMTU(1500, false) }}
	for id, st := range map[int]string{1: "joined", 2: "joined", 3: "left"} {
		_ = f.m.Set(fmt.Sprintf("runtime.members.%d.status", id), st)
		_ = f.m.Set(fmt.Sprintf("runtime.members.%d.ip", id), fmt.Sprintf("r(0) ip(10.0.0.%d) ", id))
	}
	cfg := Config{
		Map: f.m, Node: f.node, ConfigPath: f.conf, SocketName: f.name,
		Options: confparse.Options{
			Hostname:   func() (string, error) { return "node1", nil },
			LocalAddrs: func() ([]net.IP, error) { return []net.IP{net.IPv4(10, 0, 0, 1)}, nil },
			StateDirOK: func(string) error { return nil },
		},
		Shutdown:   func() { f.event("shutdown") },
		Fatal:      func() { f.event("fatal") },
		Reopen:     func() error { f.event("reopen"); return nil },
		ApplyTotem: func(c *confparse.Config) error { f.applied.Store(c); return nil },
		Log: func(l logsys.Level, format string, a ...any) {
			select {
			case f.logs <- fmt.Sprintf("%s %s", l, fmt.Sprintf(format, a...)):
			default: // a fuzzer logs more than anyone reads
			}
		},
		AfterFunc: func(d time.Duration, fn func()) func() bool {
			f.timers <- fn
			return func() bool { return true }
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	f.eng = New(cfg)
	f.node.eng = f.eng
	go func() {
		for m := range f.node.q {
			f.eng.Deliver(1, m)
		}
	}()
	srv := ipc.NewServer(ipc.Config{Transport: ipc.SHM, ShmDir: dir})
	if _, err := f.eng.Register(srv); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srv.SetReady(true)
	t.Cleanup(func() {
		srv.Close()
		os.RemoveAll(dir)
	})
	return f
}

func (f *fixture) event(s string) {
	select {
	case f.events <- s:
	default:
	}
}

type client struct {
	t testing.TB
	c *ipc.Client
}

func (f *fixture) dial() *client {
	c, err := ipc.Dial(f.name, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { c.Close() })
	return &client{t: f.t, c: c}
}

func (c *client) req(msg []byte) []byte {
	c.t.Helper()
	res, err := c.c.Request(msg, 10*time.Second)
	if err != nil {
		c.t.Fatalf("request id %d: %v", binary.LittleEndian.Uint32(msg), err)
	}
	return res
}

// status sends a request answered by a bare header and checks its id.
func (c *client) status(msg []byte, wantID int32) wire.CsError {
	c.t.Helper()
	return c.statusOf(c.req(msg), wantID)
}

func (c *client) statusOf(res []byte, wantID int32) wire.CsError {
	c.t.Helper()
	h, err := wire.DecodeResponseHeader(res)
	if err != nil {
		c.t.Fatal(err)
	}
	if h.ID != wantID || h.Size != wire.CfgResPlainSize || len(res) != wire.CfgResPlainSize {
		c.t.Fatalf("response id %d size %d (%d bytes), want id %d size 24", h.ID, h.Size, len(res), wantID)
	}
	return wire.CsError(h.Error)
}

// event waits for the next TESTSHUTDOWN event.
func (c *client) event() *wire.CfgTestShutdown {
	c.t.Helper()
	b, err := c.c.RecvEvent(5 * time.Second)
	if err != nil {
		c.t.Fatalf("no event: %v", err)
	}
	ev, err := wire.DecodeCfgTestShutdown(b)
	if err != nil {
		c.t.Fatal(err)
	}
	return ev
}

func (c *client) noEvent() {
	c.t.Helper()
	if b, err := c.c.RecvEvent(50 * time.Millisecond); err == nil {
		c.t.Fatalf("unexpected event % x", b)
	}
}

func (f *fixture) waitEvent(want string) {
	f.t.Helper()
	select {
	case got := <-f.events:
		if got != want {
			f.t.Fatalf("event %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		f.t.Fatalf("no %q event", want)
	}
}

func (f *fixture) noEvents() {
	f.t.Helper()
	select {
	case got := <-f.events:
		f.t.Fatalf("unexpected event %q", got)
	case <-time.After(50 * time.Millisecond):
	}
}

// waitLog waits for a log line.
func (f *fixture) waitLog(want string) {
	f.t.Helper()
	f.waitLogMatch(want, func(l string) bool { return l == want })
}

func (f *fixture) waitLogPrefix(p string) {
	f.t.Helper()
	f.waitLogMatch(p+"...", func(l string) bool { return strings.HasPrefix(l, p) })
}

func (f *fixture) waitLogMatch(want string, match func(string) bool) {
	f.t.Helper()
	deadline := time.After(5 * time.Second)
	var seen []string
	for {
		select {
		case l := <-f.logs:
			if match(l) {
				return
			}
			seen = append(seen, l)
		case <-deadline:
			f.t.Fatalf("no log line %q; saw %q", want, seen)
		}
	}
}

func (f *fixture) fireTimer() {
	f.t.Helper()
	select {
	case fn := <-f.timers:
		fn()
	case <-time.After(5 * time.Second):
		f.t.Fatal("no timer started")
	}
}

func (f *fixture) waitSent(id int32, n int) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ids := f.node.sentIDs()
		c := 0
		for _, x := range ids {
			if x == id {
				c++
			}
		}
		if c >= n {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("exec %#x sent %d times, want %d (sent %v)", id, c, n, ids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var execShutdownID = wire.ServiceID(ServiceID, wire.MessageReqExecCfgShutdown)

// waitNoSession waits until no shutdown session is open (the server
// handles a client's close asynchronously).
func (f *fixture) waitNoSession() {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.eng.mu.Lock()
		open := f.eng.sd.con != nil
		f.eng.mu.Unlock()
		if !open {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatal("shutdown session still open")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
