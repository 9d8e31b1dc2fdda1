package cpg

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// nullConn counts events without keeping them.
type nullConn struct{ n, bytes int }

func (c *nullConn) Respond([]byte) error { return nil }
func (c *nullConn) SendEvent(m []byte) error {
	c.n++
	c.bytes += len(m)
	return nil
}
func (c *nullConn) SendEventHeld(m []byte) (bool, error) { return false, c.SendEvent(m) }
func (c *nullConn) FlushEvents()                         {}

// BenchmarkDeliverMcast is the engine's half of the deliver path: an exec
// MCAST from a known node turned into DELIVER_CALLBACK events for the
// group's local members.
func BenchmarkDeliverMcast(b *testing.B) {
	for _, size := range []int{100, 1024, 10240} {
		for _, clients := range []int{1, 4} {
			b.Run(fmt.Sprintf("%dB/%dclients", size, clients), func(b *testing.B) {
				e := New(Config{NodeID: 1, Mcast: func(...[]byte) error { return nil }})
				g := gname("bench")
				var conns []*nullConn
				for i := 0; i < clients; i++ {
					c := &nullConn{}
					conns = append(conns, c)
					e.LibInit(c)
					e.LibRequest(c, joinReq("bench", uint32(100+i)))
					pj := wire.CpgProcjoin{Group: g, PID: uint32(100 + i), Reason: wire.CpgReasonJoin}
					raw, _ := pj.Append(nil)
					e.Deliver(1, raw)
				}
				m := wire.CpgMcast{Group: g, PID: 100, Message: make([]byte, size)}
				raw, _ := m.Append(nil)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					e.Deliver(1, raw)
				}
				b.StopTimer()
				if conns[0].n < b.N {
					b.Fatalf("%d events for %d messages", conns[0].n, b.N)
				}
			})
		}
	}
}

// BenchmarkDeliverIPC is the whole local path: a client's MCAST request
// through the SHM ring, the loopback "totem", the engine, and the
// DELIVER_CALLBACK read back by the Go client.
func BenchmarkDeliverIPC(b *testing.B) {
	for _, size := range []int{100, 1024, 10240} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			l := newLoopback(b)
			c := l.dial(b, 100, 0)
			if err := c.Join("bench"); err != nil {
				b.Fatal(err)
			}
			if _, err := c.NextEvent(5 * time.Second); err != nil {
				b.Fatal(err)
			}
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			done := make(chan error, 1)
			go func() {
				for i := 0; i < b.N; i++ {
					if _, err := c.NextEvent(10 * time.Second); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i := 0; i < b.N; i++ {
				for {
					err := c.McastJoined(msg)
					if err == nil {
						break
					}
					time.Sleep(50 * time.Microsecond)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}
