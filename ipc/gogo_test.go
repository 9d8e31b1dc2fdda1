package ipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
	"golang.org/x/sys/unix"
)

func TestGoClientGoServer(t *testing.T) {
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			_, name, dir := startEcho(t, tr)
			c, err := Dial(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Transport() != tr {
				t.Fatalf("transport %v, want %v", c.Transport(), tr)
			}
			max := int(c.MaxMsgSize())
			if max < DefaultMaxMsgSize {
				t.Fatalf("max msg %d", max)
			}
			sizes := []int{0, 1, 3, 64, 4095, 65536, 300000}
			if tr == SHM {
				// The largest echo response (24-byte header) must fit too.
				sizes = append(sizes, max-24, max-24)
			}
			for i, n := range sizes {
				p := make([]byte, n)
				for j := range p {
					p[j] = byte(i + j*7)
				}
				resp, err := c.Request(echoRequest(echoID, p), 5*time.Second)
				if err != nil {
					t.Fatalf("size %d: %v", n, err)
				}
				if !bytes.Equal(resp, echoResponse(echoID, p)) {
					t.Fatalf("size %d: echo mismatch (%d bytes back)", n, len(resp))
				}
			}
			// Many ring-fulls back to back: the semaphore accounting must
			// not drift (a drifting count makes an empty ring look full).
			big := echoRequest(echoID, make([]byte, 65536))
			for i := range 200 {
				if _, err := c.Request(big, 5*time.Second); err != nil {
					t.Fatalf("64 KiB request %d: %v", i, err)
				}
			}
			// Events: ask for 5, they arrive before the response completes.
			resp, err := c.Request(echoRequest(echoEventID, binary.LittleEndian.AppendUint32(nil, 5)), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if h, _ := wire.DecodeResponseHeader(resp); h.ID != echoEventID {
				t.Fatalf("response id %d", h.ID)
			}
			for i := range 5 {
				ev, err := c.RecvEvent(5 * time.Second)
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if h, _ := wire.DecodeResponseHeader(ev); h.ID != echoEvent {
					t.Fatalf("event id %d", h.ID)
				}
			}
			if _, err := c.RecvEvent(0); !errors.Is(err, syscall.ETIMEDOUT) {
				t.Fatalf("extra event: %v", err)
			}
			// Unknown id: corosync answers {0, 24, INVALID_PARAM}.
			resp, err = c.Request(echoRequest(77, nil), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if h, _ := wire.DecodeResponseHeader(resp); h.ID != 0 || h.Error != CSErrInvalidParam || len(resp) != 24 {
				t.Fatalf("unknown id answered %+v (%d bytes)", h, len(resp))
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			waitEmpty(t, dir)
		})
	}
}

// With BorrowMessages the server reuses one buffer per connection; echoes of
// varying sizes must still come back intact.
func TestBorrowMessages(t *testing.T) {
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			s, dir := newTestServer(t, tr, nil)
			name := uniqueName()
			svc := registerEcho(t, s, name)
			svc.cfg.BorrowMessages = true
			s.Start()
			s.SetReady(true)
			c, err := Dial(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range []int{70000, 0, 5, 65536, 1, 300000, 17} {
				p := bytes.Repeat([]byte{byte(i + 1)}, n)
				resp, err := c.Request(echoRequest(echoID, p), 5*time.Second)
				if err != nil || !bytes.Equal(resp, echoResponse(echoID, p)) {
					t.Fatalf("size %d: %v", n, err)
				}
			}
			c.Close()
			waitEmpty(t, dir)
		})
	}
}

// An event sent by a handler is announced on the fd before the response
// arrives (as C corosync does), so a non-blocking poll right after the
// response finds it.
func TestEventAnnouncedBeforeResponse(t *testing.T) {
	_, name, _ := startEcho(t, SHM)
	c, err := Dial(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 50 {
		if _, err := c.Request(echoRequest(echoEventID, binary.LittleEndian.AppendUint32(nil, 1)), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := c.RecvEvent(0); err != nil {
			t.Fatalf("round %d: event not announced with the response: %v", i, err)
		}
	}
}

// Events sent with SendEventHeld are written at once but announced (SHM:
// the bytes on the setup socket that wake a polling client) only at
// FlushEvents, all in one send; a response announces them first.
func TestHeldEventsAnnouncedAtFlush(t *testing.T) {
	const heldID = 7
	s, _ := newTestServer(t, SHM, nil)
	name := uniqueName()
	svc := registerEcho(t, s, name)
	conns := make(chan *Conn, 1)
	svc.Handle(heldID, func(c *Conn, msg []byte) {
		for range 3 {
			if _, err := c.SendEventHeld(echoResponse(echoEvent, msg[16:])); err != nil {
				t.Error(err)
			}
		}
		conns <- c
	})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	c, err := Dial(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readable := func() bool {
		ev, err := pollFd(c.setup, unix.POLLIN, 0)
		if err != nil {
			t.Fatal(err)
		}
		return ev&unix.POLLIN != 0
	}
	if err := c.Send(echoRequest(heldID, []byte("x"))); err != nil {
		t.Fatal(err)
	}
	sc := <-conns
	if readable() {
		t.Fatal("held events announced before FlushEvents")
	}
	sc.FlushEvents()
	if !readable() {
		t.Fatal("no announcement after FlushEvents")
	}
	var n [8]byte
	k, err := unix.Read(c.setup, n[:])
	if err != nil || k != 3 {
		t.Fatalf("announcement of %d bytes (%v), want 3", k, err)
	}
	// A response announces what was held before it.
	if err := c.Send(echoRequest(heldID, []byte("y"))); err != nil {
		t.Fatal(err)
	}
	<-conns
	if _, err := c.Request(echoRequest(echoID, []byte("z")), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if !readable() {
		t.Fatal("held events not announced before the response")
	}
}
