package wire

import (
	"encoding/binary"
	"fmt"
)

// srpReader walks a frame in the sender's byte order. Every read is bounds
// checked by the callers' length checks, so it never panics.
type srpReader struct {
	b   []byte
	off int
	bo  binary.ByteOrder
}

func (r *srpReader) u8() uint8 { v := r.b[r.off]; r.off++; return v }
func (r *srpReader) u32() uint32 {
	v := r.bo.Uint32(r.b[r.off:])
	r.off += 4
	return v
}
func (r *srpReader) u64() uint64 {
	v := r.bo.Uint64(r.b[r.off:])
	r.off += 8
	return v
}
func (r *srpReader) ringID() RingID { return RingID{Rep: r.u32(), Seq: r.u64()} }

// PeekSrpHeader validates the common header as check_message_header_validity
// does (length, magic in either byte order, version) plus the type range, and
// returns it. It is enough for counters and for knet's target filter.
func PeekSrpHeader(b []byte) (SrpHeader, error) {
	h, _, err := peekHeader(b)
	return h, err
}

func peekHeader(b []byte) (SrpHeader, binary.ByteOrder, error) {
	if len(b) < SrpHeaderSize {
		return SrpHeader{}, nil, fmt.Errorf("%w: %d bytes, header needs %d", ErrShort, len(b), SrpHeaderSize)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	swapped := false
	switch binary.LittleEndian.Uint16(b) {
	case SrpMagic:
	case SrpMagicSwapped:
		bo, swapped = binary.BigEndian, true
	default:
		return SrpHeader{}, nil, fmt.Errorf("%w 0x%04x (probably sent by %s)", ErrSrpBadMagic,
			binary.LittleEndian.Uint16(b), guessSender(b))
	}
	if b[2] != SrpVersion {
		return SrpHeader{}, nil, fmt.Errorf("%w %d", ErrSrpBadVersion, b[2])
	}
	if b[3] > srpTypeMax {
		return SrpHeader{}, nil, fmt.Errorf("%w %d", ErrSrpBadType, b[3])
	}
	return SrpHeader{
		Type:         SrpType(b[3]),
		Encapsulated: b[4],
		NodeID:       bo.Uint32(b[5:]),
		TargetNodeID: bo.Uint32(b[9:]),
		Swapped:      swapped,
	}, bo, nil
}

// guessSender reproduces C's hint for a frame with a bad magic number.
func guessSender(b []byte) string {
	switch magic := binary.LittleEndian.Uint16(b); {
	case magic == 0xFFFF:
		return "Corosync 2.2"
	case magic == 0xFEFE:
		return "Corosync 2.3+"
	case b[0] == 0x01:
		return "unencrypted Kronosnet"
	case b[0] <= 5:
		return "unencrypted Corosync 2.0/2.1/1.x/OpenAIS"
	}
	return "encrypted Kronosnet/Corosync 2.0/2.1/1.x/OpenAIS or unknown"
}

// DecodeSrp validates and decodes any totemsrp frame. The returned message
// does not alias b except for Mcast.Payload, which is a sub-slice of b.
func DecodeSrp(b []byte) (SrpMessage, error) {
	h, bo, err := peekHeader(b)
	if err != nil {
		return nil, err
	}
	r := &srpReader{b: b, off: SrpHeaderSize, bo: bo}
	switch h.Type {
	case SrpOrfToken:
		return decodeOrfToken(h, r)
	case SrpMcast:
		return decodeMcast(h, r)
	case SrpMergeDetect:
		return decodeMergeDetect(h, r)
	case SrpMembJoin:
		return decodeMembJoin(h, r)
	case SrpCommitToken:
		return decodeCommitToken(h, r)
	default:
		return decodeTokenHoldCancel(h, r)
	}
}

func short(what string, have, need int) error {
	return fmt.Errorf("%w: %s of %d bytes, needs %d", ErrShort, what, have, need)
}

func decodeOrfToken(h SrpHeader, r *srpReader) (*OrfToken, error) {
	if len(r.b) < OrfTokenHeaderSize {
		return nil, short("orf_token", len(r.b), OrfTokenHeaderSize)
	}
	t := &OrfToken{Header: h}
	t.Seq, t.TokenSeq, t.Aru, t.AruAddr = r.u32(), r.u32(), r.u32(), r.u32()
	t.RingID = r.ringID()
	t.Backlog, t.Fcc = r.u32(), r.u32()
	t.RetransFlg = int32(r.u32())
	n := int32(r.u32())
	// C accepts any count that fits the frame; a negative one is nonsense.
	if n < 0 || int64(n) > int64(len(r.b)) {
		return nil, fmt.Errorf("%w: rtr_list_entries %d", ErrSrpBadCount, n)
	}
	if need := OrfTokenHeaderSize + int(n)*RtrItemSize; len(r.b) < need {
		return nil, short("orf_token", len(r.b), need)
	}
	if n > 0 {
		t.RtrList = make([]RtrItem, n)
		for i := range t.RtrList {
			t.RtrList[i] = RtrItem{RingID: r.ringID(), Seq: r.u32()}
		}
	}
	return t, nil
}

func decodeMcast(h SrpHeader, r *srpReader) (*Mcast, error) {
	if len(r.b) < McastHeaderSize {
		return nil, short("mcast", len(r.b), McastHeaderSize)
	}
	m := &Mcast{Header: h}
	m.SystemFrom, m.Seq = r.u32(), r.u32()
	m.ThisSeqno = int32(r.u32())
	m.RingID = r.ringID()
	m.NodeID = r.u32()
	m.Guarantee = int32(r.u32())
	m.Payload = r.b[McastHeaderSize:len(r.b):len(r.b)]
	return m, nil
}

func decodeMergeDetect(h SrpHeader, r *srpReader) (*MergeDetect, error) {
	if len(r.b) < MergeDetectSize {
		return nil, short("memb_merge_detect", len(r.b), MergeDetectSize)
	}
	return &MergeDetect{Header: h, SystemFrom: r.u32(), RingID: r.ringID()}, nil
}

func decodeMembJoin(h SrpHeader, r *srpReader) (*MembJoin, error) {
	if len(r.b) < MembJoinHeaderSize {
		return nil, short("memb_join", len(r.b), MembJoinHeaderSize)
	}
	j := &MembJoin{Header: h, SystemFrom: r.u32()}
	p, f := r.u32(), r.u32()
	j.RingSeq = r.u64()
	// C would overrun its PROCESSOR_COUNT_MAX arrays; we refuse instead.
	if p > ProcessorCountMax || f > ProcessorCountMax {
		return nil, fmt.Errorf("%w: proc %d failed %d (max %d)", ErrSrpBadCount, p, f, ProcessorCountMax)
	}
	if need := MembJoinHeaderSize + int(p+f)*joinListEntrySize; len(r.b) < need {
		return nil, short("memb_join", len(r.b), need)
	}
	j.ProcList = make([]uint32, p)
	for i := range j.ProcList {
		j.ProcList[i] = r.u32()
	}
	j.FailedList = make([]uint32, f)
	for i := range j.FailedList {
		j.FailedList[i] = r.u32()
	}
	return j, nil
}

func decodeCommitToken(h SrpHeader, r *srpReader) (*CommitToken, error) {
	if len(r.b) < CommitTokenHeaderSize {
		return nil, short("memb_commit_token", len(r.b), CommitTokenHeaderSize)
	}
	c := &CommitToken{Header: h, TokenSeq: r.u32(), RingID: r.ringID(), RetransFlg: r.u32()}
	c.MembIndex = int32(r.u32())
	n := int32(r.u32())
	if n < 0 || n > ProcessorCountMax {
		return nil, fmt.Errorf("%w: addr_entries %d", ErrSrpBadCount, n)
	}
	// C indexes memb_list[memb_index] without checking; we refuse it.
	if c.MembIndex < 0 || c.MembIndex > n {
		return nil, fmt.Errorf("%w: memb_index %d of %d", ErrSrpBadCount, c.MembIndex, n)
	}
	if need := CommitTokenHeaderSize + int(n)*commitTokenPerMember; len(r.b) < need {
		return nil, short("memb_commit_token", len(r.b), need)
	}
	c.Addr = make([]uint32, n)
	for i := range c.Addr {
		c.Addr[i] = r.u32()
	}
	c.MembList = make([]CommitMembEntry, n)
	for i := range c.MembList {
		c.MembList[i] = CommitMembEntry{RingID: r.ringID(), Aru: r.u32(), HighDelivered: r.u32(), ReceivedFlg: r.u32()}
	}
	return c, nil
}

func decodeTokenHoldCancel(h SrpHeader, r *srpReader) (*TokenHoldCancel, error) {
	if len(r.b) < TokenHoldCancelSize {
		return nil, short("token_hold_cancel", len(r.b), TokenHoldCancelSize)
	}
	return &TokenHoldCancel{Header: h, RingID: r.ringID()}, nil
}

// Inner decodes the old-ring MCAST an ENCAPSULATED MCAST carries (a
// recovery re-send). It fails for a message that is not encapsulated.
func (m *Mcast) Inner() (*Mcast, error) {
	if m.Header.Encapsulated != EncapsulatedMcast {
		return nil, fmt.Errorf("%w: mcast is not encapsulated (%d)", ErrSrpWrongType, m.Header.Encapsulated)
	}
	return DecodeMcast(m.Payload)
}

// DecodeOrfToken decodes b and requires it to be an ORF token.
func DecodeOrfToken(b []byte) (*OrfToken, error) { return decodeAs[*OrfToken](b) }

// DecodeMcast decodes b and requires it to be an MCAST.
func DecodeMcast(b []byte) (*Mcast, error) { return decodeAs[*Mcast](b) }

// DecodeMergeDetect decodes b and requires it to be a MEMB_MERGE_DETECT.
func DecodeMergeDetect(b []byte) (*MergeDetect, error) { return decodeAs[*MergeDetect](b) }

// DecodeMembJoin decodes b and requires it to be a MEMB_JOIN (or LEAVE).
func DecodeMembJoin(b []byte) (*MembJoin, error) { return decodeAs[*MembJoin](b) }

// DecodeCommitToken decodes b and requires it to be a MEMB_COMMIT_TOKEN.
func DecodeCommitToken(b []byte) (*CommitToken, error) { return decodeAs[*CommitToken](b) }

// DecodeTokenHoldCancel decodes b and requires it to be a TOKEN_HOLD_CANCEL.
func DecodeTokenHoldCancel(b []byte) (*TokenHoldCancel, error) { return decodeAs[*TokenHoldCancel](b) }

func decodeAs[T SrpMessage](b []byte) (T, error) {
	var zero T
	m, err := DecodeSrp(b)
	if err != nil {
		return zero, err
	}
	t, ok := m.(T)
	if !ok {
		return zero, fmt.Errorf("%w: %s", ErrSrpWrongType, m.SrpHdr().Type)
	}
	return t, nil
}

// --- encoders (always little-endian, the only order C peers accept in practice) ---

var le = binary.LittleEndian

// growBy makes room for n more bytes so an encoder allocates once.
func growBy(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n)
	copy(nb, b)
	return nb
}

func appendHeader(b []byte, h SrpHeader, t SrpType, encapsulated uint8) []byte {
	b = le.AppendUint16(b, SrpMagic)
	b = append(b, SrpVersion, byte(t), encapsulated)
	b = le.AppendUint32(b, h.NodeID)
	return le.AppendUint32(b, h.TargetNodeID)
}

func appendRingID(b []byte, r RingID) []byte {
	b = le.AppendUint32(b, r.Rep)
	return le.AppendUint64(b, r.Seq)
}

// Append encodes the token. The type byte is forced to ORF_TOKEN and
// encapsulated to 0 whatever the header says.
func (m *OrfToken) Append(b []byte) []byte {
	b = growBy(b, OrfTokenHeaderSize+RtrItemSize*len(m.RtrList))
	b = appendHeader(b, m.Header, SrpOrfToken, 0)
	b = le.AppendUint32(b, m.Seq)
	b = le.AppendUint32(b, m.TokenSeq)
	b = le.AppendUint32(b, m.Aru)
	b = le.AppendUint32(b, m.AruAddr)
	b = appendRingID(b, m.RingID)
	b = le.AppendUint32(b, m.Backlog)
	b = le.AppendUint32(b, m.Fcc)
	b = le.AppendUint32(b, uint32(m.RetransFlg))
	b = le.AppendUint32(b, uint32(len(m.RtrList)))
	for _, it := range m.RtrList {
		b = appendRingID(b, it.RingID)
		b = le.AppendUint32(b, it.Seq)
	}
	return b
}

// Append encodes the MCAST header and payload. Header.Encapsulated is kept.
func (m *Mcast) Append(b []byte) []byte {
	b = growBy(b, McastHeaderSize+len(m.Payload))
	b = appendHeader(b, m.Header, SrpMcast, m.Header.Encapsulated)
	b = le.AppendUint32(b, m.SystemFrom)
	b = le.AppendUint32(b, m.Seq)
	b = le.AppendUint32(b, uint32(m.ThisSeqno))
	b = appendRingID(b, m.RingID)
	b = le.AppendUint32(b, m.NodeID)
	b = le.AppendUint32(b, uint32(m.Guarantee))
	return append(b, m.Payload...)
}

// Append encodes the merge detect.
func (m *MergeDetect) Append(b []byte) []byte {
	b = appendHeader(b, m.Header, SrpMergeDetect, 0)
	b = le.AppendUint32(b, m.SystemFrom)
	return appendRingID(b, m.RingID)
}

// Append encodes the join (or leave).
func (m *MembJoin) Append(b []byte) []byte {
	b = growBy(b, MembJoinHeaderSize+joinListEntrySize*(len(m.ProcList)+len(m.FailedList)))
	b = appendHeader(b, m.Header, SrpMembJoin, 0)
	b = le.AppendUint32(b, m.SystemFrom)
	b = le.AppendUint32(b, uint32(len(m.ProcList)))
	b = le.AppendUint32(b, uint32(len(m.FailedList)))
	b = le.AppendUint64(b, m.RingSeq)
	for _, n := range m.ProcList {
		b = le.AppendUint32(b, n)
	}
	for _, n := range m.FailedList {
		b = le.AppendUint32(b, n)
	}
	return b
}

// Append encodes the commit token. MembList is padded with zero entries (or
// cut) to len(Addr), because C reads exactly addr_entries of each.
func (m *CommitToken) Append(b []byte) []byte {
	b = growBy(b, CommitTokenHeaderSize+commitTokenPerMember*len(m.Addr))
	b = appendHeader(b, m.Header, SrpCommitToken, 0)
	b = le.AppendUint32(b, m.TokenSeq)
	b = appendRingID(b, m.RingID)
	b = le.AppendUint32(b, m.RetransFlg)
	b = le.AppendUint32(b, uint32(m.MembIndex))
	b = le.AppendUint32(b, uint32(len(m.Addr)))
	for _, n := range m.Addr {
		b = le.AppendUint32(b, n)
	}
	for i := range m.Addr {
		var e CommitMembEntry
		if i < len(m.MembList) {
			e = m.MembList[i]
		}
		b = appendRingID(b, e.RingID)
		b = le.AppendUint32(b, e.Aru)
		b = le.AppendUint32(b, e.HighDelivered)
		b = le.AppendUint32(b, e.ReceivedFlg)
	}
	return b
}

// Append encodes the token hold cancel.
func (m *TokenHoldCancel) Append(b []byte) []byte {
	b = appendHeader(b, m.Header, SrpTokenHoldCancel, 0)
	return appendRingID(b, m.RingID)
}
