package ipc

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// FuzzRingRead lets the peer control everything it can write in shared
// memory (pointers, semaphore, chunk words) and checks that the reader never
// panics, never returns more than max_msg_size and never loops forever.
func FuzzRingRead(f *testing.F) {
	f.Add(uint32(0), uint32(0), []byte{})
	f.Add(uint32(0), uint32(5), binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 5), wire.ChunkMagicCommitted))
	f.Add(uint32(1020), uint32(3), binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 0xffffffff), wire.ChunkMagicCommitted))
	f.Add(uint32(0xffffffff), uint32(7), []byte{1, 2, 3, 4})
	dir, err := os.MkdirTemp("/dev/shm", "gqfuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	r, err := createRing(filepath.Join(dir, "qb-request-fuzz"), 2000, -1, -1)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { r.release(); r.unlink() })
	f.Fuzz(func(t *testing.T, readPt, writePt uint32, data []byte) {
		clear(r.data)
		copy(r.data[(readPt%r.words)*4:], data)
		*r.u32(wire.RingOffReadPt) = readPt
		*r.u32(wire.RingOffWritePt) = writePt
		*r.sem() = uint64(len(data) % 3)
		for range 64 {
			msg, err := r.read(nil)
			if err != nil || msg == nil {
				break
			}
			if len(msg) > int(r.maxMsg) {
				t.Fatalf("read %d bytes from a %d-byte ring", len(msg), r.maxMsg)
			}
		}
		// Writing over whatever state is left must not panic either.
		r.write(data)
	})
}

// FuzzDispatch feeds arbitrary requests to a connection's dispatcher.
func FuzzDispatch(f *testing.F) {
	f.Add(echoRequest(echoID, []byte("hello")))
	f.Add(echoRequest(echoEventID, []byte{2, 0, 0, 0}))
	f.Add(echoRequest(-3, nil))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0})
	f.Add(echoRequest(99, make([]byte, 40)))
	s := NewServer(Config{})
	svc := registerEcho(f, s, "fuzz")
	f.Fuzz(func(t *testing.T, msg []byte) {
		ft := &fakeTransport{}
		c := &Conn{srv: s, svc: svc, t: ft, maxMsg: DefaultMaxMsgSize, evMax: 8, kick: make(chan struct{}, 1)}
		err := c.dispatch(msg)
		if err == nil && ft.responses != 1 {
			t.Fatalf("accepted request got %d responses", ft.responses)
		}
		if err != nil && ft.responses != 0 {
			t.Fatalf("rejected request got a response")
		}
		// libqb counts what reached msg_process, and its answer.
		st := c.Stats()
		if err == nil && (st.Requests != 1 || st.Responses != 1 || st.InvalidRequest > 1) {
			t.Fatalf("accepted request counted %+v", st)
		}
		if err != nil && st != (ConnStats{}) {
			t.Fatalf("rejected request counted %+v", st)
		}
	})
}

type fakeTransport struct{ responses, events int }

func (f *fakeTransport) recvLoop(*Conn) error              { return nil }
func (f *fakeTransport) respond(...[]byte) error           { f.responses++; return nil }
func (f *fakeTransport) eventWrite([]byte) error           { f.events++; return nil }
func (f *fakeTransport) notifyNow(n int) int               { return n }
func (f *fakeTransport) notify(int, <-chan struct{}) error { return nil }
func (f *fakeTransport) setFlowControl(int32) error        { return nil }
func (f *fakeTransport) shutdown()                         {}
func (f *fakeTransport) teardown()                         {}

// FuzzHandshake sends arbitrary bytes as the first message on a real server
// socket: the server must answer a valid connection request with a full
// response, drop anything else without one, and stay healthy.
func FuzzHandshake(f *testing.F) {
	f.Add(wire.ConnRequest{Hdr: wire.RequestHeader{ID: -1, Size: 24}, MaxMsgSize: 1 << 20}.Append(nil))
	f.Add(wire.ConnRequest{Hdr: wire.RequestHeader{ID: -1, Size: 24}, MaxMsgSize: 0}.Append(nil))
	f.Add(wire.ConnRequest{Hdr: wire.RequestHeader{ID: -3, Size: 24}, MaxMsgSize: 0}.Append(nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add(make([]byte, 100))
	s, _ := newTestServer(f, SHM, func(c *Config) { c.MaxMsgSize, c.MaxMsgLimit = 4096, 8192 })
	name := uniqueName()
	registerEcho(f, s, name)
	if err := s.Start(); err != nil {
		f.Fatal(err)
	}
	s.SetReady(true)
	f.Fuzz(func(t *testing.T, b []byte) {
		uc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: abstractName(name), Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		uc.Write(b)
		if len(b) < wire.ConnRequestSize {
			return // the server waits for the rest; closing is the test
		}
		uc.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp := make([]byte, wire.ConnResponseSize)
		n, _ := readAll(uc, resp)
		_, err = wire.DecodeConnRequest(b)
		if err != nil {
			if n != 0 {
				t.Fatalf("invalid request answered with %d bytes", n)
			}
			return
		}
		r, derr := wire.DecodeConnResponse(resp[:n])
		if derr != nil || r.Hdr.Error != 0 || r.MaxMsgSize < 4096 || r.MaxMsgSize > 8192 {
			t.Fatalf("valid request: %d bytes, %+v, %v", n, r, derr)
		}
	})
}
