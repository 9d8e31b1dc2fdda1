package ipc

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// startEchoHooked is startEcho with the last created server-side Conn
// captured and an optional Busy hook.
func startEchoHooked(t *testing.T, tr Transport, busy *atomic.Bool) (name, dir string, last *atomic.Pointer[Conn], closed *atomic.Int32) {
	s, dir := newTestServer(t, tr, func(c *Config) {
		if busy != nil {
			c.Busy = busy.Load
		}
	})
	name = uniqueName()
	svc := registerEcho(t, s, name)
	last = &atomic.Pointer[Conn]{}
	closed = &atomic.Int32{}
	svc.cfg.OnCreated = func(c *Conn) { last.Store(c) }
	svc.cfg.OnClose = func(c *Conn) { closed.Add(1) }
	svc.Handle(50, func(c *Conn, msg []byte) {
		c.Respond(echoResponse(50, nil))
	}, FlowControlled)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	return name, dir, last, closed
}

func waitConn(t *testing.T, p *atomic.Pointer[Conn]) *Conn {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Load() == nil {
		if time.Now().After(deadline) {
			t.Fatal("connection not created")
		}
		time.Sleep(time.Millisecond)
	}
	return p.Load()
}

func TestLifecycle(t *testing.T) {
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			var busy atomic.Bool
			name, dir, last, closed := startEchoHooked(t, tr, &busy)
			c, err := Dial(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The server is this process: SO_PEERCRED of the setup socket.
			if cr := c.ServerCreds(); cr.PID != int32(os.Getpid()) || cr.UID != uint32(os.Getuid()) {
				t.Fatalf("server creds %+v", cr)
			}
			sc := waitConn(t, last)
			if sc.Creds().PID != int32(os.Getpid()) || sc.MaxMsgSize() != DefaultMaxMsgSize {
				t.Fatalf("conn creds %+v max %d", sc.Creds(), sc.MaxMsgSize())
			}

			// Flow-control word: the client refuses to send (TRY_AGAIN).
			if err := sc.SetFlowControl(1); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Request(echoRequest(echoID, nil), time.Second); !errors.Is(err, syscall.EAGAIN) {
				t.Fatalf("send under flow control: %v", err)
			}
			sc.SetFlowControl(0)

			// Busy daemon: flow-controlled handlers answer TRY_AGAIN, others run.
			busy.Store(true)
			resp, err := c.Request(echoRequest(50, nil), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if h, _ := wire.DecodeResponseHeader(resp); h.ID != 0 || h.Error != CSErrTryAgain {
				t.Fatalf("busy: %+v", h)
			}
			if _, err := c.Request(echoRequest(echoID, nil), 5*time.Second); err != nil {
				t.Fatal(err)
			}
			busy.Store(false)
			resp, err = c.Request(echoRequest(50, nil), 5*time.Second)
			if h, _ := wire.DecodeResponseHeader(resp); err != nil || h.ID != 50 {
				t.Fatalf("not busy: %+v %v", h, err)
			}

			// Timeout: a request id nobody answers (Async handler).
			sc.Service().Handle(51, func(*Conn, []byte) {}, Async)
			start := time.Now()
			if _, err := c.Request(echoRequest(51, nil), 200*time.Millisecond); !errors.Is(err, syscall.ETIMEDOUT) {
				t.Fatalf("unanswered request: %v", err)
			}
			if d := time.Since(start); d < 200*time.Millisecond {
				t.Fatalf("timed out after %v", d)
			}

			// Server-initiated close: the client notices, files go away,
			// OnClose runs once.
			sc.Close()
			deadline := time.Now().Add(5 * time.Second)
			for {
				_, err := c.Request(echoRequest(echoID, nil), time.Second)
				if err != nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("client still served after server-side close")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := sc.SendEvent(echoResponse(echoEvent, nil)); !errors.Is(err, ErrClosed) {
				t.Fatalf("event after close: %v", err)
			}
			c.Close()
			waitEmpty(t, dir)
			for deadline := time.Now().Add(5 * time.Second); closed.Load() == 0 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			if n := closed.Load(); n != 1 {
				t.Fatalf("OnClose ran %d times", n)
			}
		})
	}
}
