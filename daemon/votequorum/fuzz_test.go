package votequorum

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// FuzzEngine feeds one engine arbitrary exec messages (well-formed ones
// with arbitrary values, and raw bytes) from arbitrary senders between
// sync rounds and clock steps: a hostile or buggy peer must never crash it
// (C asserts on a qdevice NODEINFO from an unknown sender; we must not).
func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 2, 2, 1, 3, 1, 3, 0, 0, 0, 3, 1, 1, 3, 0, 0})
	f.Add([]byte{0, 0, 9, 7, 5, 1, 2, 1, 0, 200, 1, 4, 50})
	f.Add([]byte{5, 1, 0, 0, 5, 0, 16, 0, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, in []byte) { runFuzzEngine(t, in) })
}

func in0(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func runFuzzEngine(t *testing.T, in []byte) {
	m := nodelistMap(3, map[string]any{"quorum.wait_for_all": uint8(in0(in) & 1),
		"quorum.auto_tie_breaker": uint8(in0(in) >> 1 & 1), "quorum.last_man_standing": uint8(in0(in) >> 2 & 1)}, 0)
	e := New(Options{NodeID: 1, Map: m, StateDir: os.TempDir()}) // no option here writes ev_tracking
	if e.Start() != nil {
		return
	}
	var now time.Duration
	for len(in) >= 4 {
		op, a, b, c := in[0], in[1], in[2], in[3]
		in = in[4:]
		var msg []byte
		switch op % 6 {
		case 0:
			msg, _ = (&wire.VotequorumNodeinfo{NodeID: uint32(a % 8), Votes: uint32(b % 4), ExpectedVotes: uint32(c % 9), Flags: uint32(a ^ c)}).Append(nil)
		case 1:
			msg, _ = (&wire.VotequorumReconfigure{NodeID: uint32(a % 8), Value: uint32(b % 9), Param: c % 5}).Append(nil)
		case 2:
			msg, _ = (&wire.VotequorumQdeviceReg{Operation: uint32(a % 3), Name: string(rune('a' + b%3))}).Append(nil)
		case 3:
			var members []uint32
			for i := uint32(0); i < 8; i++ {
				if a&(1<<i) != 0 {
					members = append(members, i+1)
				}
			}
			e.Init(nil, members, wire.RingID{Rep: 1, Seq: uint64(b)})
			e.Process()
			if c&1 == 0 {
				e.Activate()
			} else {
				e.Abort()
			}
			continue
		case 4:
			now += time.Duration(a) * 100 * time.Millisecond
			e.Advance(now)
			e.QdevicePoll(string(rune('a'+b%3)), c&1 == 1, e.RingID())
			continue
		case 5:
			n := int(a) % (len(in) + 1)
			msg, in = in[:n], in[n:]
			if len(msg) >= 4 {
				binary.LittleEndian.PutUint32(msg, uint32(wire.ServiceID(wire.VotequorumService, uint16(b%5))))
			}
		}
		_ = e.Deliver(uint32(c%8), msg)
		e.GetInfo(uint32(b % 8))
	}
}
