package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// totempg packet layout (exec/totempg.c, struct totempg_mcast): the payload of
// every totemsrp MCAST. The fixed part is 8 bytes, then one u16 length per chunk,
// then the chunks back to back. Joining the chunks of one sender gives messages.
const (
	TotempgHeaderSize = 8
	// MessageSizeMax is MESSAGE_SIZE_MAX: the largest message totempg assembles.
	MessageSizeMax = 1024 * 1024
	// TotempgMsgCountMax bounds msg_count: every chunk costs at least its u16
	// length, so no more fit in a frame of FRAME_SIZE_MAX bytes.
	TotempgMsgCountMax = (FrameSizeMax - TotempgHeaderSize) / 2
)

var (
	// ErrTotempgLength is C's "doesn't have expected length" drop: the header's
	// msg_lens must account for the payload exactly.
	ErrTotempgLength = errors.New("wire: totempg packet length does not match msg_lens")
	// ErrTotempgFrag means fragmented is set on a packet without chunks, which
	// no sender produces and the reassembler cannot interpret.
	ErrTotempgFrag = errors.New("wire: totempg fragmented packet without chunks")
)

// TotempgPacket is a decoded struct totempg_mcast plus its chunks.
//
// Fragmented is 0 when the last chunk ends a message; otherwise the last chunk
// continues in this sender's next packet and Fragmented is its fragment id
// (1..255). Continuation is 0, or the fragment id of the previous packet whose
// last chunk the first chunk of this packet continues.
type TotempgPacket struct {
	Version      int16 // always 0, never checked
	Type         int16 // always 0, never checked
	Fragmented   uint8
	Continuation uint8
	Chunks       [][]byte // aliases the decoded buffer
}

// Size is the encoded length of p.
func (p *TotempgPacket) Size() int {
	n := TotempgHeaderSize + 2*len(p.Chunks)
	for _, c := range p.Chunks {
		n += len(c)
	}
	return n
}

// Append encodes p (little-endian) after b. It panics on a chunk longer than a
// u16 or on too many chunks: both are programming errors of the packer.
func (p *TotempgPacket) Append(b []byte) []byte {
	if len(p.Chunks) > 0xffff {
		panic(fmt.Sprintf("wire: totempg packet with %d chunks", len(p.Chunks)))
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(p.Version))
	b = binary.LittleEndian.AppendUint16(b, uint16(p.Type))
	b = append(b, p.Fragmented, p.Continuation)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(p.Chunks)))
	for _, c := range p.Chunks {
		if len(c) > 0xffff {
			panic(fmt.Sprintf("wire: totempg chunk of %d bytes", len(c)))
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(c)))
	}
	for _, c := range p.Chunks {
		b = append(b, c...)
	}
	return b
}

// DecodeTotempgPacket parses a totempg packet (the payload of an MCAST). The
// chunks alias b. swapped is the MCAST header's Swapped flag: a big-endian
// sender's msg_count and msg_lens are byte-swapped, as totempg_deliver_fn does.
// version and type are taken as they are (C neither swaps nor checks them).
func DecodeTotempgPacket(b []byte, swapped bool) (TotempgPacket, error) {
	var p TotempgPacket
	if len(b) < TotempgHeaderSize {
		return p, ErrShort
	}
	u16 := func(x []byte) uint16 {
		if swapped {
			return binary.BigEndian.Uint16(x)
		}
		return binary.LittleEndian.Uint16(x)
	}
	p.Version = int16(binary.LittleEndian.Uint16(b[0:]))
	p.Type = int16(binary.LittleEndian.Uint16(b[2:]))
	p.Fragmented = b[4]
	p.Continuation = b[5]
	count := int(u16(b[6:]))
	data := TotempgHeaderSize + 2*count
	if len(b) < data {
		return p, ErrShort
	}
	total := data
	for i := 0; i < count; i++ {
		total += int(u16(b[TotempgHeaderSize+2*i:]))
	}
	if total != len(b) {
		return p, ErrTotempgLength
	}
	if count == 0 && p.Fragmented != 0 {
		return p, ErrTotempgFrag
	}
	p.Chunks = make([][]byte, count)
	off := data
	for i := range p.Chunks {
		n := int(u16(b[TotempgHeaderSize+2*i:]))
		p.Chunks[i] = b[off : off+n : off+n]
		off += n
	}
	return p, nil
}
