package sync

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// capturedMcast is one MCAST of a udpu capture, deduplicated.
type capturedMcast struct {
	nodeid  uint32
	seq     uint32
	ring    wire.RingID
	payload []byte
}

// readCaptureMcasts returns the distinct non-encapsulated MCASTs of an
// Ethernet/IPv4 pcapng capture in capture order (retransmits dropped).
func readCaptureMcasts(t testing.TB, path string) []capturedMcast {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		ring wire.RingID
		seq  uint32
	}
	seen := map[key]bool{}
	var out []capturedMcast
	for off := 0; off+12 <= len(raw); {
		typ := binary.LittleEndian.Uint32(raw[off:])
		blen := int(binary.LittleEndian.Uint32(raw[off+4:]))
		if blen < 12 || off+blen > len(raw) {
			t.Fatalf("%s: bad pcapng block", path)
		}
		body := raw[off+8 : off+blen-4]
		off += blen
		if typ != 6 {
			continue
		}
		pkt := body[20 : 20+int(binary.LittleEndian.Uint32(body[12:]))]
		if len(pkt) < 42 || binary.BigEndian.Uint16(pkt[12:]) != 0x0800 || pkt[23] != 17 {
			continue
		}
		ip := pkt[14:]
		udp := ip[int(ip[0]&0xf)*4 : binary.BigEndian.Uint16(ip[2:])]
		d := udp[8:]
		if len(d) < wire.McastHeaderSize || binary.LittleEndian.Uint16(d) != wire.SrpMagic || d[3] != byte(wire.SrpMcast) {
			continue
		}
		if d[4] == wire.EncapsulatedMcast {
			continue // recovery copies of messages already seen on their own ring
		}
		m := capturedMcast{
			nodeid:  binary.LittleEndian.Uint32(d[5:]),
			seq:     binary.LittleEndian.Uint32(d[17:]),
			ring:    wire.RingID{Rep: binary.LittleEndian.Uint32(d[25:]), Seq: binary.LittleEndian.Uint64(d[29:])},
			payload: d[wire.McastHeaderSize:],
		}
		k := key{m.ring, m.seq}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, m)
	}
	return out
}
