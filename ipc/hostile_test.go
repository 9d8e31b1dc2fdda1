package ipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/wire"
)

// healthy checks that a fresh client still gets served.
func healthy(t *testing.T, name string) {
	t.Helper()
	c, err := Dial(name, nil)
	if err != nil {
		t.Fatalf("server no longer accepts: %v", err)
	}
	defer c.Close()
	p := []byte("still alive")
	resp, err := c.Request(echoRequest(echoID, p), 5*time.Second)
	if err != nil || !bytes.Equal(resp[24:], p) {
		t.Fatalf("server no longer answers: %v", err)
	}
}

func rawDial(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	uc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: abstractName(name), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	return uc
}

// waitClosed waits until the server dropped the connection (EOF).
func waitClosed(t *testing.T, c *Client) {
	t.Helper()
	re, err := pollFd(c.setup, 0, 5*time.Second)
	if err != nil || re&unix.POLLHUP == 0 {
		t.Fatalf("server kept the hostile connection (revents %#x, %v)", re, err)
	}
}

func TestHostileHandshakes(t *testing.T) {
	_, name, dir := startEcho(t, SHM)
	// Garbage instead of a connection request: closed without response.
	uc := rawDial(t, name)
	uc.Write(bytes.Repeat([]byte{0xff, 0x01}, 40))
	uc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := uc.Read(make([]byte, 16)); n != 0 || err == nil {
		t.Fatalf("garbage handshake answered: %d %v", n, err)
	}
	uc.Close()
	// Truncated request, then gone.
	uc = rawDial(t, name)
	uc.Write([]byte{0xff, 0xff, 0xff, 0xff, 0, 0})
	uc.Close()
	// Silent client holding the socket does not block others.
	silent := rawDial(t, name)
	defer silent.Close()
	// Huge max_msg_size is clamped, not honoured.
	uc = rawDial(t, name)
	uc.Write(wire.ConnRequest{Hdr: wire.RequestHeader{ID: -1, Size: 24}, MaxMsgSize: 0xffffffff}.Append(nil))
	buf := make([]byte, wire.ConnResponseSize)
	uc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := readAll(uc, buf); err != nil {
		t.Fatal(err)
	}
	r, err := wire.DecodeConnResponse(buf)
	if err != nil || r.Hdr.Error != 0 || r.MaxMsgSize != 16<<20 {
		t.Fatalf("huge request: %+v %v", r, err)
	}
	uc.Close()
	healthy(t, name)
	silent.Close()
	waitEmpty(t, dir)
}

func readAll(uc *net.UnixConn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := uc.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func shmOf(c *Client) *shmClient { return c.t.(*shmClient) }

func TestHostileRequests(t *testing.T) {
	cases := []struct {
		name string
		do   func(t *testing.T, c *Client)
	}{
		{"size mismatch", func(t *testing.T, c *Client) {
			m := echoRequest(echoID, []byte("abc"))
			binary.LittleEndian.PutUint32(m[8:], 9999)
			c.Send(m)
		}},
		{"short chunk", func(t *testing.T, c *Client) { c.Send([]byte{1, 2, 3}) }},
		{"zero chunk", func(t *testing.T, c *Client) { c.Send(nil) }},
		{"oversize length word", func(t *testing.T, c *Client) {
			r := shmOf(c).req
			rd := *r.u32(wire.RingOffReadPt)
			*r.word(rd) = 0x7fffffff
			*r.word(rd + 1) = wire.ChunkMagicCommitted
			r.postGuarded()
			writeFull(c.setup, []byte{1})
		}},
		{"wild read pointer", func(t *testing.T, c *Client) {
			*shmOf(c).req.u32(wire.RingOffReadPt) = 0xfffffff0
			shmOf(c).req.postGuarded()
			writeFull(c.setup, []byte{1})
		}},
		{"truncated data file", func(t *testing.T, c *Client) {
			shmOf(c).req.postGuarded()
			if err := os.Truncate(shmOf(c).req.dataPath, 0); err != nil {
				t.Fatal(err)
			}
			writeFull(c.setup, []byte{1})
		}},
		{"truncated response ring", func(t *testing.T, c *Client) {
			// The fault hits when the server writes the response.
			if err := os.Truncate(shmOf(c).resp.dataPath, 0); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(shmOf(c).resp.hdrPath, 0); err != nil {
				t.Fatal(err)
			}
			c.Send(echoRequest(echoID, []byte("x")))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, name, dir := startEcho(t, SHM)
			c, err := Dial(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			tc.do(t, c)
			waitClosed(t, c)
			c.Close()
			healthy(t, name)
			waitEmpty(t, dir)
		})
	}
}

// A client that dies in the middle of writing a chunk (magic ALLOC, never
// committed) is cleaned up when its socket closes.
func TestClientDiesMidMessage(t *testing.T) {
	_, name, dir := startEcho(t, SHM)
	c, err := Dial(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := shmOf(c).req
	*r.word(0) = 0
	*r.word(1) = wire.ChunkMagicAlloc
	copy(r.data[8:], "half a mess")
	r.postGuarded()
	writeFull(c.setup, []byte{1})
	syscall.Close(c.setup) // no orderly disconnect, rings not released
	healthy(t, name)
	waitEmpty(t, dir)
}

// A client that never reads events: the ring fills, the queue fills, then
// SendEvent reports ErrTryAgain without ever blocking the caller.
func TestEventBackpressure(t *testing.T) {
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			s, dir := newTestServer(t, tr, func(c *Config) { c.EventQueueLen = 50 })
			name := uniqueName()
			svc := registerEcho(t, s, name)
			var conn atomic.Pointer[Conn]
			svc.cfg.OnCreated = func(c *Conn) { conn.Store(c) }
			s.Start()
			s.SetReady(true)
			c, err := Dial(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for conn.Load() == nil && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			sc := conn.Load()
			ev := echoResponse(echoEvent, make([]byte, 20000))
			sent, again := 0, 0
			start := time.Now()
			for range 2000 {
				err := sc.SendEvent(ev)
				switch {
				case err == nil:
					sent++
				case errors.Is(err, ErrTryAgain):
					again++
				default:
					t.Fatal(err)
				}
			}
			if again == 0 || sent == 0 {
				t.Fatalf("sent %d, try-again %d", sent, again)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("SendEvent blocked: %v for 2000 calls", d)
			}
			// Requests are still served while events are stuck.
			if _, err := c.Request(echoRequest(echoID, nil), 5*time.Second); err != nil {
				t.Fatal(err)
			}
			// Draining delivers every accepted event in order.
			for i := range sent {
				if _, err := c.RecvEvent(5 * time.Second); err != nil {
					t.Fatalf("event %d of %d: %v", i, sent, err)
				}
			}
			c.Close()
			waitEmpty(t, dir)
		})
	}
}

// TestManyClients: 200 clients at once doing request/response and events,
// with hostile clients in the mix; nothing is left in the shm directory.
func TestManyClients(t *testing.T) {
	_, name, dir := startEcho(t, SHM)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n+2)
	wg.Add(2)
	go func() { // truncates its rings and pokes the server, repeatedly
		defer wg.Done()
		for range 5 {
			c, err := Dial(name, nil)
			if err != nil {
				errs <- err
				return
			}
			shmOf(c).req.postGuarded()
			os.Truncate(shmOf(c).req.dataPath, 0)
			writeFull(c.setup, []byte{1, 2, 3})
			pollFd(c.setup, 0, 5*time.Second)
			c.Close()
		}
	}()
	go func() { // asks for thousands of events and never reads them
		defer wg.Done()
		c, err := Dial(name, nil)
		if err != nil {
			errs <- err
			return
		}
		defer c.Close()
		for range 20 {
			c.Request(echoRequest(echoEventID, binary.LittleEndian.AppendUint32(nil, 500)), 5*time.Second)
		}
	}()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Dial(name, nil)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := range 10 {
				p := binary.LittleEndian.AppendUint32(nil, uint32(i*1000+j))
				resp, err := c.Request(echoRequest(echoID, p), 20*time.Second)
				if err != nil || !bytes.Equal(resp[24:], p) {
					errs <- errors.Join(errors.New("echo failed"), err)
					return
				}
			}
			if _, err := c.Request(echoRequest(echoEventID, binary.LittleEndian.AppendUint32(nil, 3)), 20*time.Second); err != nil {
				errs <- err
				return
			}
			for range 3 {
				if _, err := c.RecvEvent(20 * time.Second); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitEmpty(t, dir)
}

// Close must not wait for silent clients that never finish their handshake.
func TestCloseWithSilentClient(t *testing.T) {
	s, name, _ := startEcho(t, SHM)
	uc := rawDial(t, name)
	defer uc.Close()
	time.Sleep(20 * time.Millisecond) // let the server accept it
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
}

func sockOf(c *Client) *sockClient { return c.t.(*sockClient) }

func TestHostileSocketTransport(t *testing.T) {
	cases := []struct {
		name string
		do   func(t *testing.T, c *Client)
	}{
		{"size mismatch", func(t *testing.T, c *Client) {
			m := echoRequest(echoID, []byte("abc"))
			binary.LittleEndian.PutUint32(m[8:], 4)
			c.Send(m)
		}},
		{"short datagram", func(t *testing.T, c *Client) { c.Send([]byte{9}) }},
		{"truncated control file", func(t *testing.T, c *Client) {
			if err := os.Truncate(sockOf(c).ctlPath, 0); err != nil {
				t.Fatal(err)
			}
			unix.Send(sockOf(c).reqSock, echoRequest(echoID, nil), 0)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, name, dir := startEcho(t, Socket)
			c, err := Dial(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			tc.do(t, c)
			waitClosed(t, c)
			c.Close()
			healthy(t, name)
			waitEmpty(t, dir)
		})
	}
}

// A client that reads neither its event ring nor its socket: once the
// socket is full of notification bytes, SendEvent must still return at once
// (the event pump must not hold the socket while it waits).
func TestSendEventNeverBlocks(t *testing.T) {
	s, dir := newTestServer(t, SHM, func(c *Config) { c.EventQueueLen = 100000 })
	name := uniqueName()
	svc := registerEcho(t, s, name)
	var conn atomic.Pointer[Conn]
	svc.cfg.OnCreated = func(c *Conn) { conn.Store(c) }
	s.Start()
	s.SetReady(true)
	c, err := Dial(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := waitConn(t, &conn)
	done := make(chan int)
	go func() {
		ok := 0
		for range 20000 { // tiny events: far more than the socket buffer holds bytes for
			if sc.SendEvent(echoResponse(echoEvent, nil)) == nil {
				ok++
			}
		}
		done <- ok
	}()
	var ok int
	select {
	case ok = <-done:
		if ok == 0 {
			t.Fatal("no event accepted")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("SendEvent blocked on a client that does not read")
	}
	// The client can still drain every accepted event afterwards; the
	// pump announces them as the socket empties.
	for i := range ok {
		if _, err := c.RecvEvent(10 * time.Second); err != nil {
			t.Fatalf("event %d of %d: %v", i, ok, err)
		}
	}
	if _, err := c.RecvEvent(0); err == nil {
		t.Fatal("more events than accepted")
	}
	c.Close()
	waitEmpty(t, dir)
}
