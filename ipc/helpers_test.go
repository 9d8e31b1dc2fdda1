package ipc

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

var nameSeq atomic.Int64

// uniqueName gives each test its own abstract socket: other people's tests
// run in the same network namespace.
func uniqueName() string {
	return fmt.Sprintf("gqtest-%d-%d", os.Getpid(), nameSeq.Add(1))
}

// Echo service request ids.
const (
	echoID      = 1 // response = header{1} + payload
	echoEventID = 2 // event {3} + payload, then response {2}; payload[0..4] = count
	echoEvent   = 3
)

func echoRequest(id int32, payload []byte) []byte {
	b := wire.RequestHeader{ID: id, Size: int32(16 + len(payload))}.Append(nil)
	return append(b, payload...)
}

func echoResponse(id int32, payload []byte) []byte {
	b := wire.ResponseHeader{ID: id, Size: int32(24 + len(payload)), Error: 1}.Append(nil)
	return append(b, payload...)
}

// registerEcho installs the trivial echo service used by the tests and the
// C test programs.
func registerEcho(t testing.TB, s *Server, name string) *Service {
	svc, err := s.Register(ServiceConfig{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	svc.Handle(echoID, func(c *Conn, msg []byte) {
		// Failures show up at the client; hostile clients cause some.
		c.RespondParts(wire.ResponseHeader{ID: echoID, Size: int32(24 + len(msg) - 16), Error: 1}.Append(nil), msg[16:])
	})
	svc.Handle(echoEventID, func(c *Conn, msg []byte) {
		n := 1
		p := msg[16:]
		if len(p) >= 4 {
			n = min(int(binary.LittleEndian.Uint32(p)), 100000) // fuzzed counts stay bounded
		}
		errs := 0
		for range n {
			if c.SendEvent(echoResponse(echoEvent, p)) != nil {
				errs++
			}
		}
		c.Respond(echoResponse(echoEventID, binary.LittleEndian.AppendUint32(nil, uint32(errs))))
	})
	return svc
}

// newTestServer starts a ready server with a private shm directory and
// checks at cleanup that nothing is left in it.
func newTestServer(t testing.TB, tr Transport, mod func(*Config)) (*Server, string) {
	// A private directory on tmpfs, like /dev/shm itself.
	dir, err := os.MkdirTemp("/dev/shm", "gqipc")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Transport: tr, ShmDir: dir, Logf: t.Logf}
	if mod != nil {
		mod(&cfg)
	}
	s := NewServer(cfg)
	t.Cleanup(func() {
		s.Close()
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			t.Errorf("left in shm dir after close: %s", filepath.Join(dir, e.Name()))
		}
		os.RemoveAll(dir)
	})
	return s, dir
}

func startEcho(t testing.TB, tr Transport) (*Server, string, string) {
	s, dir := newTestServer(t, tr, nil)
	name := uniqueName()
	registerEcho(t, s, name)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	return s, name, dir
}

// waitEmpty waits until dir has no entries (connection teardown is async).
func waitEmpty(t testing.TB, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ents, _ := os.ReadDir(dir)
		if len(ents) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still holds %d entries, e.g. %s", dir, len(ents), ents[0].Name())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
