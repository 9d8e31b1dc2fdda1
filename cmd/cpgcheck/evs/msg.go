// Package evs is cpgcheck's message format, delivery log and verifier: the
// checks of corosync's cpghum/cpgverify (sequence, CRC, agreed order)
// extended to extended virtual synchrony across configuration changes.
package evs

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
)

// Magic starts every cpgcheck message, so a foreign or truncated payload
// is told apart from a corrupted one.
const Magic = 0x4b475043 // "CPGK"

// HeaderSize is magic, nodeid, pid, seq (u64), payload length, CRC32.
const HeaderSize = 28

// Msg is one numbered message as its sender made it.
type Msg struct {
	NodeID, PID uint32
	Seq         uint64
	Payload     []byte
}

// Encode lays out m with the CRC32 (IEEE) of its payload.
func (m *Msg) Encode() []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(m.Payload))
	binary.LittleEndian.PutUint32(b[0:], Magic)
	binary.LittleEndian.PutUint32(b[4:], m.NodeID)
	binary.LittleEndian.PutUint32(b[8:], m.PID)
	binary.LittleEndian.PutUint64(b[12:], m.Seq)
	binary.LittleEndian.PutUint32(b[20:], uint32(len(m.Payload)))
	binary.LittleEndian.PutUint32(b[24:], crc32.ChecksumIEEE(m.Payload))
	return append(b, m.Payload...)
}

// Header is what a receiver reads back: the claimed CRC and the one it
// computed over the bytes it got.
type Header struct {
	NodeID, PID    uint32
	Seq            uint64
	Len            uint32
	CRC, CRCGot    uint32
	PayloadGotSize int
}

// ErrNotCpgcheck is a payload too short or without Magic.
var ErrNotCpgcheck = errors.New("evs: not a cpgcheck message")

// Decode reads a delivered message; a CRC or length mismatch is not an
// error here, the verifier reports it.
func Decode(b []byte) (Header, error) {
	if len(b) < HeaderSize || binary.LittleEndian.Uint32(b) != Magic {
		return Header{}, ErrNotCpgcheck
	}
	p := b[HeaderSize:]
	return Header{
		NodeID:         binary.LittleEndian.Uint32(b[4:]),
		PID:            binary.LittleEndian.Uint32(b[8:]),
		Seq:            binary.LittleEndian.Uint64(b[12:]),
		Len:            binary.LittleEndian.Uint32(b[20:]),
		CRC:            binary.LittleEndian.Uint32(b[24:]),
		CRCGot:         crc32.ChecksumIEEE(p),
		PayloadGotSize: len(p),
	}, nil
}

// Payload makes seq's payload: mostly below one totem frame, every 16th up
// to 12 KiB and every 97th 40 KiB, so that some messages are fragmented
// over many frames and cross a loss or a configuration change half-sent.
func Payload(r *rand.Rand, seq uint64) []byte {
	n := r.IntN(1400)
	switch {
	case seq%97 == 0:
		n = 40 << 10
	case seq%16 == 0:
		n = r.IntN(12 << 10)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
