package totemsrp

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// RingIDFileName is the name corosync gives the ring seq file in state_dir.
func RingIDFileName(nodeID uint32) string { return "ringid_" + strconv.FormatUint(uint64(nodeID), 10) }

// EncodeRingSeq gives the content of state_dir/ringid_<nodeid>: the u64 ring
// seq as 8 raw bytes in host order (little-endian on every supported host).
func EncodeRingSeq(seq uint64) []byte { return binary.LittleEndian.AppendUint64(nil, seq) }

// DecodeRingSeq reads a ringid file's content. C treats a short file like a
// missing one (seq 0, file re-created); ok reports whether the content was
// usable so the daemon can re-create it as C does.
func DecodeRingSeq(b []byte) (seq uint64, ok bool) {
	if len(b) < 8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b), true
}

// StartRingSeq applies the "read +1 at start" rule of main_iface_change_fn:
// the first ring id of a process is {rep: me, seq: stored+1}, so a restarted
// node never reuses the id of a ring it already took part in.
func StartRingSeq(stored uint64) uint64 { return stored + 1 }

func ringIDString(rep uint32, seq uint64) string { return fmt.Sprintf("%x.%x", rep, seq) }
