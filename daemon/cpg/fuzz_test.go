package cpg

import (
	"encoding/binary"
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// FuzzEngine feeds the engine arbitrary library requests and exec messages
// (each input is a sequence of [op u8][len u16][bytes]) from two nodes and
// three connections, with sync rounds in between. Nothing may panic, and
// every synchronous request must get exactly one response.
func FuzzEngine(f *testing.F) {
	rec := func(op byte, msg []byte) []byte {
		b := []byte{op, 0, 0}
		binary.LittleEndian.PutUint16(b[1:], uint16(len(msg)))
		return append(b, msg...)
	}
	g := gname("fz")
	pj, _ := (&wire.CpgProcjoin{Group: g, PID: 5, Reason: 1}).Append(nil)
	mc, _ := (&wire.CpgMcast{Group: g, PID: 5, Message: []byte("m")}).Append(nil)
	jl, _ := (&wire.CpgJoinlist{Entries: []wire.CpgJoinlistEntry{{PID: 5, Group: g}}}).Append(nil)
	seed := append(rec(0, joinReq("fz", 1)), rec(3, pj)...)
	seed = append(seed, rec(1, mcastReq("x"))...)
	seed = append(seed, rec(6, nil)...)
	seed = append(seed, rec(4, jl)...)
	seed = append(seed, rec(7, nil)...)
	seed = append(seed, rec(3, mc)...)
	seed = append(seed, rec(2, leaveReq("fz", 1))...)
	seed = append(seed, rec(8, nil)...)
	f.Add(seed)
	f.Add(rec(0, (&wire.CpgReqIterInit{Type: 3}).Append(nil)))
	f.Add(rec(0, (&wire.CpgReqPartialMcast{Type: 1, MsgLen: 4, Data: []byte("ab")}).Append(nil)))
	zcdir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		e := New(Config{NodeID: 1, ZeroCopyDirs: []string{zcdir}, Mcast: func(...[]byte) error { return nil }})
		conns := []*fakeConn{{name: "a"}, {name: "b"}, {name: "c"}}
		live := []bool{true, true, true}
		for _, c := range conns {
			e.LibInit(c)
		}
		for len(in) >= 3 {
			op := in[0]
			n := int(binary.LittleEndian.Uint16(in[1:]))
			in = in[3:]
			n = min(n, len(in))
			msg := in[:n]
			in = in[n:]
			c := int(op>>4) % len(conns)
			switch op & 15 {
			case 0, 1, 2:
				if !live[c] {
					e.LibInit(conns[c])
					live[c] = true
				}
				before := len(conns[c].resp)
				e.LibRequest(conns[c], msg)
				h, err := wire.DecodeRequestHeader(msg)
				want := 1
				if err == nil && h.ID == wire.MessageReqCpgMcast {
					want = 0
				}
				if got := len(conns[c].resp) - before; got != want {
					t.Fatalf("request %x: %d responses", msg, got)
				}
			case 3, 4:
				e.Deliver(uint32(op>>4)%3+1, msg)
			case 5:
				e.LibExit(conns[c])
				live[c] = false
			case 6:
				e.Init([]uint32{1}, []uint32{1, 2}, wire.RingID{Rep: 1, Seq: uint64(op)})
				e.Process()
			case 7:
				e.Activate()
			case 8:
				e.Abort()
			}
		}
		for _, c := range conns {
			for _, ev := range c.events {
				h, err := wire.DecodeResponseHeader(ev)
				if err != nil || int(h.Size) != len(ev) {
					t.Fatalf("bad event % x", ev)
				}
			}
		}
	})
}
