// Package capture gives tests the totem traffic of the corosync captures
// (../shared/captures, copied to wire/testdata) at the level they work on.
package capture

import (
	"fmt"

	"github.com/gorosync/gorosync/internal/pcap"
	"github.com/gorosync/gorosync/wire"
)

// Mcast is one MCAST of a udpu capture.
type Mcast struct {
	NodeID  uint32
	Seq     uint32
	Ring    wire.RingID
	Payload []byte // the totempg packet
}

// Mcasts returns the distinct non-encapsulated MCASTs of a udpu capture in
// capture order. udpu sends a multicast once per member, and retransmits
// repeat it: only the first copy of each (ring id, seq) is kept. Encapsulated
// MCASTs are recovery copies of messages already seen on their own ring.
func Mcasts(path string) ([]Mcast, error) {
	dgrams, err := pcap.ReadFile(path)
	if err != nil {
		return nil, err
	}
	type key struct {
		ring wire.RingID
		seq  uint32
	}
	seen := map[key]bool{}
	var out []Mcast
	for _, d := range dgrams {
		msg, err := wire.DecodeSrp(d.Payload)
		if err != nil {
			return nil, fmt.Errorf("%s frame %d: %w", path, d.Frame, err)
		}
		m, ok := msg.(*wire.Mcast)
		if !ok || m.Header.Encapsulated == wire.EncapsulatedMcast {
			continue
		}
		k := key{m.RingID, m.Seq}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, Mcast{NodeID: m.Header.NodeID, Seq: m.Seq, Ring: m.RingID, Payload: m.Payload})
	}
	return out, nil
}
