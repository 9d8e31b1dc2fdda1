package ipc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// TestGoClientAgainstCServer checks our client against libqb's own server
// (testdata/qbserver) on both transports.
func TestGoClientAgainstCServer(t *testing.T) {
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			name := fmt.Sprintf("gqcsrv-%d-%d", os.Getpid(), nameSeq.Add(1))
			startCServer(t, name, tr)
			c, err := Dial(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Transport() != tr {
				t.Fatalf("transport %v", c.Transport())
			}
			if c.ServerCreds().PID <= 0 {
				t.Fatalf("server creds %+v", c.ServerCreds())
			}
			for _, n := range []int{0, 5, 64, 65536, 500000} {
				p := bytes.Repeat([]byte{byte(n)}, n)
				resp, err := c.Request(echoRequest(echoID, p), 5*time.Second)
				if err != nil {
					t.Fatalf("size %d: %v", n, err)
				}
				if !bytes.Equal(resp[24:], p) {
					t.Fatalf("size %d: echo mismatch", n)
				}
			}
			if _, err := c.Request(echoRequest(echoEventID, binary.LittleEndian.AppendUint32(nil, 4)), 5*time.Second); err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				ev, err := c.RecvEvent(5 * time.Second)
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if h, _ := wire.DecodeResponseHeader(ev); h.ID != echoEvent {
					t.Fatalf("event id %d", h.ID)
				}
			}
		})
	}
}
