package ipc

import (
	"encoding/binary"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// statsServer is an echo server whose connection hooks record, in order,
// what the service and the server-wide hooks saw, and whose id 9 is a
// flow-controlled no-op that answers while not busy.
type statsServer struct {
	srv  *Server
	name string
	busy atomic.Bool

	mu    sync.Mutex
	log   []string
	conns []*Conn
}

func newStatsServer(t *testing.T, tr Transport) *statsServer {
	ss := &statsServer{}
	rec := func(what string, c *Conn) {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		ss.log = append(ss.log, what)
		if what == "conn created" {
			ss.conns = append(ss.conns, c)
		}
	}
	s, _ := newTestServer(t, tr, func(c *Config) {
		c.Busy = ss.busy.Load
		c.OnConnCreated = func(c *Conn) { rec("conn created", c) }
		c.OnConnClosed = func(c *Conn) { rec("conn closed", c) }
	})
	ss.srv = s
	ss.name = uniqueName()
	svc := registerEcho(t, s, ss.name)
	svc.cfg.OnCreated = func(c *Conn) { rec("created", c) }
	svc.cfg.OnClose = func(c *Conn) { rec("close", c) }
	svc.Handle(9, func(c *Conn, msg []byte) {
		c.Respond(wire.ResponseHeader{ID: 9, Size: 24}.Append(nil))
	}, FlowControlled)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	return ss
}

// only waits for the single connection's OnConnCreated (it runs after
// the handshake response, so possibly after Dial returned).
func (ss *statsServer) only(t *testing.T) *Conn {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		ss.mu.Lock()
		conns := ss.conns
		ss.mu.Unlock()
		n := len(conns)
		if n == 1 {
			return conns[0]
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("%d connections created, want 1", n)
		}
	}
}

// waitStats waits a little for want: a response is counted once written,
// so the client may hold it a moment before the server counts it.
func waitStats(c *Conn, want ConnStats) ConnStats {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := c.Stats()
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Millisecond)
	}
}

func mustRequest(t *testing.T, c *Client, msg []byte) wire.ResponseHeader {
	t.Helper()
	resp, err := c.Request(msg, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	h, err := wire.DecodeResponseHeader(resp)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestConnStatsCounters(t *testing.T) {
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			ss := newStatsServer(t, tr)
			cl, err := Dial(ss.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			sc := ss.only(t)
			if got := sc.Stats(); got != (ConnStats{}) {
				t.Fatalf("fresh connection: %+v", got)
			}
			for range 3 {
				mustRequest(t, cl, echoRequest(echoID, []byte("x")))
			}
			if h := mustRequest(t, cl, echoRequest(77, nil)); h.Error != CSErrInvalidParam {
				t.Fatalf("unknown id: %+v", h)
			}
			ss.busy.Store(true)
			if h := mustRequest(t, cl, echoRequest(9, nil)); h.Error != CSErrTryAgain {
				t.Fatalf("busy: %+v", h)
			}
			ss.busy.Store(false)
			if h := mustRequest(t, cl, echoRequest(9, nil)); h.ID != 9 {
				t.Fatalf("not busy: %+v", h)
			}
			mustRequest(t, cl, echoRequest(echoEventID, binary.LittleEndian.AppendUint32(nil, 4)))
			for i := range 4 {
				if _, err := cl.RecvEvent(5 * time.Second); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
			for _, l := range []int32{2, 2, 0, 1} {
				if err := sc.SetFlowControl(l); err != nil {
					t.Fatal(err)
				}
			}
			want := ConnStats{Requests: 7, Responses: 7, Events: 4, Sent: 4, InvalidRequest: 1, Overload: 1,
				FlowControlState: 1, FlowControlCount: 3}
			if got := waitStats(sc, want); got != want {
				t.Fatalf("stats\n got %+v\nwant %+v", got, want)
			}

			sc.ClearStats()
			if got := sc.Stats(); got != (ConnStats{}) {
				t.Fatalf("after clear: %+v", got)
			}
			// libqb counts level changes only: the level is still 1.
			sc.SetFlowControl(1)
			if got := sc.Stats(); got.FlowControlCount != 0 || got.FlowControlState != 0 {
				t.Fatalf("same level after clear: %+v", got)
			}
			sc.SetFlowControl(0)
			if got := sc.Stats(); got.FlowControlCount != 1 || got.FlowControlState != 0 {
				t.Fatalf("level change after clear: %+v", got)
			}
			mustRequest(t, cl, echoRequest(echoID, nil))
			want = ConnStats{Requests: 1, Responses: 1, FlowControlCount: 1}
			if got := waitStats(sc, want); got != want {
				t.Fatalf("counting after clear: %+v", got)
			}
		})
	}
}

// An event channel the client does not drain makes the connection queue
// (queueing 1, queued = backlog, send retries); once the client reads,
// the queue empties and corosync's queued/sent restart from zero.
func TestConnStatsEventQueue(t *testing.T) {
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			ss := newStatsServer(t, tr)
			cl, err := Dial(ss.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			sc := ss.only(t)
			const n = 64
			payload := binary.LittleEndian.AppendUint32(nil, n)
			payload = append(payload, make([]byte, 64<<10)...)
			h := mustRequest(t, cl, echoRequest(echoEventID, payload))
			if h.ID != echoEventID {
				t.Fatalf("response %+v", h)
			}
			// Sent restarted at zero when queuing began: it counts
			// what the queue has let out since.
			st := sc.Stats()
			if !st.Queuing || st.Queued == 0 || st.SendRetries == 0 || st.Events+uint64(st.Queued) != n || uint64(st.Sent) >= st.Events {
				t.Fatalf("undrained client: %+v", st)
			}
			for i := range n {
				if _, err := cl.RecvEvent(5 * time.Second); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for st = sc.Stats(); st.Queuing && time.Now().Before(deadline); st = sc.Stats() {
				time.Sleep(5 * time.Millisecond)
			}
			if st.Queuing || st.Queued != 0 || st.Sent != 0 || st.Events != n {
				t.Fatalf("drained: %+v", st)
			}
			// Back to direct sends: sent counts again.
			mustRequest(t, cl, echoRequest(echoEventID, binary.LittleEndian.AppendUint32(nil, 1)))
			if st = sc.Stats(); st.Sent != 1 || st.Queuing {
				t.Fatalf("after drain, one event: %+v", st)
			}
		})
	}
}

// The server-wide hooks see every connection once, after the service's
// own hooks, as corosync adds stats keys after lib_init and removes them
// after lib_exit.
func TestConnCreatedClosedHooks(t *testing.T) {
	ss := newStatsServer(t, SHM)
	want := []string{"created", "conn created", "close", "conn closed"}
	for round := range 2 {
		cl, err := Dial(ss.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		mustRequest(t, cl, echoRequest(echoID, nil))
		cl.Close()
		var got []string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			ss.mu.Lock()
			got = append([]string(nil), ss.log...)
			ss.mu.Unlock()
			if len(got) >= 4*(round+1) {
				break
			}
		}
		if len(got) != 4*(round+1) || strings.Join(got[4*round:], ",") != strings.Join(want, ",") {
			t.Fatalf("round %d: hooks %q, want %q", round, got, want)
		}
	}
}

// A connection refused by the service (OnConnect) never reaches the
// server-wide hooks.
func TestConnHooksSkipRefused(t *testing.T) {
	var created, closed atomic.Int32
	s, _ := newTestServer(t, SHM, func(c *Config) {
		c.OnConnCreated = func(*Conn) { created.Add(1) }
		c.OnConnClosed = func(*Conn) { closed.Add(1) }
	})
	name := uniqueName()
	svc := registerEcho(t, s, name)
	svc.cfg.OnConnect = func(*Conn) syscall.Errno { return syscall.EACCES }
	s.Start()
	s.SetReady(true)
	if _, err := Dial(name, nil); err == nil {
		t.Fatal("refused connection dialled")
	}
	s.Close()
	if created.Load() != 0 || closed.Load() != 0 {
		t.Fatalf("hooks ran for a refused connection: created %d closed %d", created.Load(), closed.Load())
	}
}

// BenchmarkDispatch is one request through the dispatcher to a handler
// that responds, on a transport that only counts: the per-request path the
// counters sit on. The allocations are the echo handler's own (the same
// 5 before the counters existed).
func BenchmarkDispatch(b *testing.B) {
	s := NewServer(Config{})
	svc := registerEcho(b, s, "bench")
	c := &Conn{srv: s, svc: svc, t: &fakeTransport{}, maxMsg: DefaultMaxMsgSize, evMax: 8, kick: make(chan struct{}, 1)}
	msg := echoRequest(echoID, make([]byte, 64))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.dispatch(msg); err != nil {
			b.Fatal(err)
		}
	}
	if st := c.Stats(); st.Requests != st.Responses || st.Requests == 0 {
		b.Fatalf("counted %+v", st)
	}
}
