package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// libknet 1.x on-wire format (libknet/onwire.h, v1.25; unchanged through
// 1.35). Unlike totem, knet puts its node ids and sequence numbers in network
// byte order; the ping timestamp and the PMTUd size are in the sender's host
// order (little-endian everywhere that matters).
const (
	KnetVersion         = 0x01 // KNET_HEADER_VERSION
	KnetHeaderSize      = 6    // KNET_HEADER_SIZE
	KnetHeaderAllSize   = 26   // KNET_HEADER_ALL_SIZE: header + largest payload (ping), used in MTU maths
	KnetDataHeaderSize  = 14   // KNET_HEADER_DATA_SIZE
	KnetPingSize        = 26   // KNET_HEADER_PING_SIZE
	KnetPMTUDHeaderSize = 9    // KNET_HEADER_PMTUD_SIZE; also the whole PMTUD_REPLY
)

// KnetType is kh_type.
type KnetType uint8

const (
	KnetTypeData       KnetType = 0x00 // KNET_HEADER_TYPE_DATA
	KnetTypeControl    KnetType = 0x80 // KNET_HEADER_TYPE_PMSK: set on every non-data type
	KnetTypePing       KnetType = 0x81
	KnetTypePong       KnetType = 0x82
	KnetTypePMTUD      KnetType = 0x83
	KnetTypePMTUDReply KnetType = 0x84
)

func (t KnetType) String() string {
	switch t {
	case KnetTypeData:
		return "DATA"
	case KnetTypePing:
		return "PING"
	case KnetTypePong:
		return "PONG"
	case KnetTypePMTUD:
		return "PMTUD"
	case KnetTypePMTUDReply:
		return "PMTUD_REPLY"
	}
	return fmt.Sprintf("KnetType(%#x)", uint8(t))
}

// Errors from DecodeKnet; C drops such packets.
var (
	ErrKnetVersion = errors.New("wire: knet header version is not 1")
	ErrKnetType    = errors.New("wire: unknown knet packet type")
)

// KnetHeader is the 6-byte base of struct knet_header. Version is always 1
// on encode. Pad1 is kh_max_ver in the unreleased knet 2.x; 1.x sends 0 and
// ignores it, so it is carried as is.
type KnetHeader struct {
	Type KnetType
	Node uint16 // sender's host id (corosync nodeid)
	Pad1 uint8
	Pad2 uint8
}

func (h KnetHeader) append(b []byte) []byte {
	b = append(b, KnetVersion, uint8(h.Type))
	b = binary.BigEndian.AppendUint16(b, h.Node)
	return append(b, h.Pad1, h.Pad2)
}

// KnetPacket is one decoded (decrypted) knet packet.
type KnetPacket interface {
	KnetHdr() *KnetHeader
	Append(b []byte) []byte
}

// KnetData is a DATA packet: one fragment of one user packet (a totem frame,
// possibly compressed first).
type KnetData struct {
	Header   KnetHeader
	SeqNum   uint16 // per-sender packet counter, shared by its fragments
	Compress uint8  // 0, or the compression model id (KnetCompress*)
	Pad1     uint8
	Bcast    uint8 // 1 broadcast, 0 unicast
	FragNum  uint8 // number of fragments, 1 = whole packet
	FragSeq  uint8 // 1..FragNum, 0 when not fragmented
	Channel  int8  // corosync uses 0
	Payload  []byte
}

// KnetPing is a PING, or the PONG that echoes it (only Type and Node differ).
type KnetPing struct {
	Header KnetHeader
	Link   uint8
	Time   [16]byte // sender's struct timespec, opaque to the peer
	SeqNum uint16   // sender's current data tx seq_num
	Timed  uint8    // 1 periodic, 0 forced by seq_num wrap
}

// KnetPMTUD is a PMTUD probe or its reply. A probe is padded to the size being
// probed (Fill holds those bytes); a reply is just the 9-byte header with the
// size echoed.
type KnetPMTUD struct {
	Header KnetHeader
	Link   uint8
	Size   uint16 // the on-wire IP packet length being probed; host order (LE)
	Fill   []byte
}

func (p *KnetData) KnetHdr() *KnetHeader  { return &p.Header }
func (p *KnetPing) KnetHdr() *KnetHeader  { return &p.Header }
func (p *KnetPMTUD) KnetHdr() *KnetHeader { return &p.Header }

func (p *KnetData) Append(b []byte) []byte {
	b = p.Header.append(b)
	b = binary.BigEndian.AppendUint16(b, p.SeqNum)
	b = append(b, p.Compress, p.Pad1, p.Bcast, p.FragNum, p.FragSeq, uint8(p.Channel))
	return append(b, p.Payload...)
}

func (p *KnetPing) Append(b []byte) []byte {
	b = p.Header.append(b)
	b = append(b, p.Link)
	b = append(b, p.Time[:]...)
	b = binary.BigEndian.AppendUint16(b, p.SeqNum)
	return append(b, p.Timed)
}

func (p *KnetPMTUD) Append(b []byte) []byte {
	b = p.Header.append(b)
	b = append(b, p.Link)
	b = binary.LittleEndian.AppendUint16(b, p.Size)
	return append(b, p.Fill...)
}

// DecodeKnet decodes one cleartext knet packet (after Open, when crypto is on).
//
// Strict like C on the version byte and the type. Strict where C would read
// past the packet: DATA needs 14 bytes, PING/PONG exactly their 26 (C reads
// all 26; a longer one is an error here since no 1.x sender makes one),
// PMTUD 9. Lenient like C: frag_num/frag_seq, bcast, compress and channel are
// not range-checked here; the reassembler and the decompressor decide.
// Payload and Fill alias b.
func DecodeKnet(b []byte) (KnetPacket, error) {
	if len(b) < KnetHeaderSize {
		return nil, fmt.Errorf("%w: knet packet of %d bytes", ErrShort, len(b))
	}
	if b[0] != KnetVersion {
		return nil, ErrKnetVersion
	}
	h := KnetHeader{Type: KnetType(b[1]), Node: binary.BigEndian.Uint16(b[2:]), Pad1: b[4], Pad2: b[5]}
	switch h.Type {
	case KnetTypeData:
		if len(b) < KnetDataHeaderSize {
			return nil, fmt.Errorf("%w: knet data packet of %d bytes", ErrShort, len(b))
		}
		return &KnetData{Header: h, SeqNum: binary.BigEndian.Uint16(b[6:]), Compress: b[8], Pad1: b[9],
			Bcast: b[10], FragNum: b[11], FragSeq: b[12], Channel: int8(b[13]), Payload: b[14:]}, nil
	case KnetTypePing, KnetTypePong:
		if len(b) != KnetPingSize {
			return nil, fmt.Errorf("wire: knet %s of %d bytes, want %d", h.Type, len(b), KnetPingSize)
		}
		p := &KnetPing{Header: h, Link: b[6], SeqNum: binary.BigEndian.Uint16(b[23:]), Timed: b[25]}
		copy(p.Time[:], b[7:23])
		return p, nil
	case KnetTypePMTUD, KnetTypePMTUDReply:
		if len(b) < KnetPMTUDHeaderSize {
			return nil, fmt.Errorf("%w: knet %s of %d bytes", ErrShort, h.Type, len(b))
		}
		return &KnetPMTUD{Header: h, Link: b[6], Size: binary.LittleEndian.Uint16(b[7:]), Fill: b[9:]}, nil
	}
	return nil, fmt.Errorf("%w %#x", ErrKnetType, uint8(h.Type))
}

// Pong builds the reply C expects to a ping: the same bytes with kh_type PONG
// and kh_node set to the replier.
func (p *KnetPing) Pong(self uint16) *KnetPing {
	q := *p
	q.Header.Type = KnetTypePong
	q.Header.Node = self
	return &q
}

// Reply builds the 9-byte PMTUD_REPLY to a probe: C rewrites type and node
// in the received buffer and sends back its first 9 bytes.
func (p *KnetPMTUD) Reply(self uint16) *KnetPMTUD {
	h := p.Header
	h.Type, h.Node = KnetTypePMTUDReply, self
	return &KnetPMTUD{Header: h, Link: p.Link, Size: p.Size}
}
