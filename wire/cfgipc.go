package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// libcfg IPC messages (include/corosync/ipc_cfg.h and cfg.h, corosync
// 3.1.7): what libcfg sends on the "cfg" socket (corosync-cfgtool,
// pacemakerd), the responses exec/cfg.c answers with and the TESTSHUTDOWN
// event. Offsets below are from the start of the message.

// Request ids (enum req_lib_cfg_types).
const (
	MessageReqCfgRingStatusGet   int32 = 0
	MessageReqCfgRingReenable    int32 = 1
	MessageReqCfgKillnode        int32 = 2
	MessageReqCfgTryShutdown     int32 = 3
	MessageReqCfgReplyToShutdown int32 = 4
	MessageReqCfgGetNodeAddrs    int32 = 5
	MessageReqCfgLocalGet        int32 = 6
	MessageReqCfgReloadConfig    int32 = 7
	MessageReqCfgReopenLogFiles  int32 = 8
	MessageReqCfgNodeStatusGet   int32 = 9
	MessageReqCfgTrackStart      int32 = 10
	MessageReqCfgTrackStop       int32 = 11
)

// Response and event ids (enum res_lib_cfg_types). 4..7 are left over
// from the AMF days and never sent.
const (
	MessageResCfgRingStatusGet   int32 = 0
	MessageResCfgRingReenable    int32 = 1
	MessageResCfgStateTrackStart int32 = 2
	MessageResCfgStateTrackStop  int32 = 3
	MessageResCfgKillnode        int32 = 8
	MessageResCfgTryShutdown     int32 = 9
	MessageResCfgTestShutdown    int32 = 10
	MessageResCfgGetNodeAddrs    int32 = 11
	MessageResCfgLocalGet        int32 = 12
	MessageResCfgReplyToShutdown int32 = 13
	MessageResCfgReloadConfig    int32 = 14
	MessageResCfgReopenLogFiles  int32 = 15
	MessageResCfgNodeStatusGet   int32 = 16
)

// Shutdown flags (corosync_cfg_shutdown_flags_t) and replies
// (corosync_cfg_shutdown_reply_flags_t).
const (
	CfgShutdownFlagRequest    uint32 = 0
	CfgShutdownFlagRegardless uint32 = 1
	CfgShutdownFlagImmediate  uint32 = 2

	CfgShutdownReplyNo  uint32 = 0
	CfgShutdownReplyYes uint32 = 1
)

// Limits of the status structs.
const (
	CfgInterfaceNameMaxLen   = 128 // CFG_INTERFACE_NAME_MAX_LEN
	CfgInterfaceStatusMaxLen = 512 // CFG_INTERFACE_STATUS_MAX_LEN
	CfgMaxInterfaces         = 16  // CFG_MAX_INTERFACES
	CfgMaxHostLen            = 256 // CFG_MAX_HOST_LEN
	CfgMaxLinks              = 8   // CFG_MAX_LINKS
	CfgNodeStatusV1          = 1   // CFG_NODE_STATUS_V1
	TotemIPAddrLen           = 16  // TOTEMIP_ADDRLEN: one address slot of GET_NODE_ADDRS
)

// Struct sizes.
const (
	CfgReqHeaderOnlySize      = 16 // RINGSTATUSGET, RINGREENABLE, LOCAL_GET, RELOAD_CONFIG, REOPEN_LOG_FILES, TRACKSTOP
	CfgReqKillnodeSize        = 288
	CfgReqTryShutdownSize     = 24
	CfgReqReplyToShutdownSize = 24
	CfgReqGetNodeAddrsSize    = 24
	CfgReqNodeStatusGetSize   = 32
	CfgReqTrackStartSize      = 24

	CfgResPlainSize          = 24    // every response that is a bare header
	CfgResRingStatusGetSize  = 10272 // header, count @24, names @32, statuses @2080
	CfgResNodeStatusVerSize  = 32    // res_lib_cfg_nodestatusget_version (errors)
	CfgResNodeStatusV1Size   = 4200  // header + corosync_cfg_node_status_v1 @24
	CfgResGetNodeAddrsSize   = 32    // + TotemIPAddrLen per interface
	CfgResLocalGetSize       = 32
	CfgTestShutdownSize      = 32
	cfgNodeStatusV1Size      = 4176
	cfgLinkStatusV1Size      = 520
	cfgRingStatusNamesOffset = 32
	cfgRingStatusStatOffset  = 2080
)

// CsName is cs_name_t as libcfg sends it inside req_lib_cfg_killnode: a u16
// length and the 256-byte value right after it (offset 2, no padding;
// mar_name_t, the exec form, pads to 8). libcfg sets Length to strlen+1.
type CsName struct {
	Length uint16
	Value  [CSMaxNameLength]byte
}

// CString is the value up to its first NUL, the way C prints it with %s.
func (n CsName) CString() string {
	if i := bytes.IndexByte(n.Value[:], 0); i >= 0 {
		return string(n.Value[:i])
	}
	return string(n.Value[:])
}

// NewCsName fills a cs_name_t as corosync_cfg_kill_node does (strcpy,
// length strlen+1); s must be shorter than 256 bytes.
func NewCsName(s string) (CsName, error) {
	var n CsName
	if len(s) >= CSMaxNameLength {
		return n, fmt.Errorf("wire: cs_name_t holds at most %d bytes, got %d", CSMaxNameLength-1, len(s))
	}
	copy(n.Value[:], s)
	n.Length = uint16(len(s) + 1)
	return n, nil
}

// MarName converts to the exec form as marshall_to_mar_name_t does (length
// and all 256 value bytes copied). A length C could not have produced is
// clamped so the result always encodes.
func (n CsName) MarName() MarName {
	m := MarName{Length: min(n.Length, CSMaxNameLength)}
	m.Value = n.Value
	return m
}

// cfgCheckReq verifies that a request is at least its struct long and
// carries the expected id.
func cfgCheckReq(b []byte, id int32, size int) error {
	h, err := DecodeRequestHeader(b)
	if err != nil {
		return err
	}
	if h.ID != id {
		return fmt.Errorf("wire: cfg request id %d, want %d", h.ID, id)
	}
	if len(b) < size {
		return fmt.Errorf("wire: cfg request id %d: %d bytes, need %d: %w", id, len(b), size, ErrShort)
	}
	return nil
}

func cfgReqU32(b []byte, id int32, size int) (uint32, error) {
	if err := cfgCheckReq(b, id, size); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[16:]), nil
}

func cfgAppendReqU32(b []byte, id int32, size int, v uint32) []byte {
	b = RequestHeader{ID: id, Size: int32(size)}.Append(b)
	return append(binary.LittleEndian.AppendUint32(b, v), 0, 0, 0, 0)
}

// CfgReqHeaderOnly builds any of the requests that are a bare header.
func CfgReqHeaderOnly(id int32) []byte {
	return RequestHeader{ID: id, Size: CfgReqHeaderOnlySize}.Append(nil)
}

// CfgReqKillnode is struct req_lib_cfg_killnode.
type CfgReqKillnode struct {
	NodeID uint32
	Reason CsName
}

func (r *CfgReqKillnode) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCfgKillnode, Size: CfgReqKillnodeSize}.Append(b)
	b = append(binary.LittleEndian.AppendUint32(b, r.NodeID), 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint16(b, r.Reason.Length)
	b = append(b, r.Reason.Value[:]...)
	return append(b, make([]byte, CfgReqKillnodeSize-24-2-CSMaxNameLength)...)
}

// DecodeCfgReqKillnode reads the reason's 256 bytes whatever its length
// says: exec/cfg.c copies them all and prints up to the first NUL.
func DecodeCfgReqKillnode(b []byte) (*CfgReqKillnode, error) {
	if err := cfgCheckReq(b, MessageReqCfgKillnode, CfgReqKillnodeSize); err != nil {
		return nil, err
	}
	r := &CfgReqKillnode{NodeID: binary.LittleEndian.Uint32(b[16:])}
	r.Reason.Length = binary.LittleEndian.Uint16(b[24:])
	copy(r.Reason.Value[:], b[26:26+CSMaxNameLength])
	return r, nil
}

// CfgReqTryShutdown is struct req_lib_cfg_tryshutdown.
type CfgReqTryShutdown struct{ Flags uint32 }

func (r *CfgReqTryShutdown) Append(b []byte) []byte {
	return cfgAppendReqU32(b, MessageReqCfgTryShutdown, CfgReqTryShutdownSize, r.Flags)
}

func DecodeCfgReqTryShutdown(b []byte) (*CfgReqTryShutdown, error) {
	v, err := cfgReqU32(b, MessageReqCfgTryShutdown, CfgReqTryShutdownSize)
	if err != nil {
		return nil, err
	}
	return &CfgReqTryShutdown{Flags: v}, nil
}

// CfgReqReplyToShutdown is struct req_lib_cfg_replytoshutdown.
type CfgReqReplyToShutdown struct{ Response uint32 }

func (r *CfgReqReplyToShutdown) Append(b []byte) []byte {
	return cfgAppendReqU32(b, MessageReqCfgReplyToShutdown, CfgReqReplyToShutdownSize, r.Response)
}

func DecodeCfgReqReplyToShutdown(b []byte) (*CfgReqReplyToShutdown, error) {
	v, err := cfgReqU32(b, MessageReqCfgReplyToShutdown, CfgReqReplyToShutdownSize)
	if err != nil {
		return nil, err
	}
	return &CfgReqReplyToShutdown{Response: v}, nil
}

// CfgReqGetNodeAddrs is struct req_lib_cfg_get_node_addrs; NodeID 0 means
// the local node.
type CfgReqGetNodeAddrs struct{ NodeID uint32 }

func (r *CfgReqGetNodeAddrs) Append(b []byte) []byte {
	return cfgAppendReqU32(b, MessageReqCfgGetNodeAddrs, CfgReqGetNodeAddrsSize, r.NodeID)
}

func DecodeCfgReqGetNodeAddrs(b []byte) (*CfgReqGetNodeAddrs, error) {
	v, err := cfgReqU32(b, MessageReqCfgGetNodeAddrs, CfgReqGetNodeAddrsSize)
	if err != nil {
		return nil, err
	}
	return &CfgReqGetNodeAddrs{NodeID: v}, nil
}

// CfgReqNodeStatusGet is struct req_lib_cfg_nodestatusget.
type CfgReqNodeStatusGet struct{ NodeID, Version uint32 }

func (r *CfgReqNodeStatusGet) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCfgNodeStatusGet, Size: CfgReqNodeStatusGetSize}.Append(b)
	b = append(binary.LittleEndian.AppendUint32(b, r.NodeID), 0, 0, 0, 0)
	return append(binary.LittleEndian.AppendUint32(b, r.Version), 0, 0, 0, 0)
}

func DecodeCfgReqNodeStatusGet(b []byte) (*CfgReqNodeStatusGet, error) {
	if err := cfgCheckReq(b, MessageReqCfgNodeStatusGet, CfgReqNodeStatusGetSize); err != nil {
		return nil, err
	}
	return &CfgReqNodeStatusGet{NodeID: binary.LittleEndian.Uint32(b[16:]), Version: binary.LittleEndian.Uint32(b[24:])}, nil
}

// CfgReqTrackStart is struct req_lib_cfg_trackstart (the flags are unused
// by exec/cfg.c).
type CfgReqTrackStart struct{ TrackFlags uint8 }

func (r *CfgReqTrackStart) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCfgTrackStart, Size: CfgReqTrackStartSize}.Append(b)
	return append(b, r.TrackFlags, 0, 0, 0, 0, 0, 0, 0)
}

func DecodeCfgReqTrackStart(b []byte) (*CfgReqTrackStart, error) {
	if err := cfgCheckReq(b, MessageReqCfgTrackStart, CfgReqTrackStartSize); err != nil {
		return nil, err
	}
	return &CfgReqTrackStart{TrackFlags: b[16]}, nil
}

// CfgResPlain builds a response that is a bare header.
func CfgResPlain(id int32, e CsError) []byte {
	return ResponseHeader{ID: id, Size: CfgResPlainSize, Error: int32(e)}.Append(nil)
}

// cfgCheckRes decodes a response header, checking the id and that b holds
// at least size bytes.
func cfgCheckRes(b []byte, id int32, size int) (ResponseHeader, error) {
	h, err := DecodeResponseHeader(b)
	if err != nil {
		return h, err
	}
	if h.ID != id {
		return h, fmt.Errorf("wire: cfg response id %d, want %d", h.ID, id)
	}
	if len(b) < size {
		return h, fmt.Errorf("wire: cfg response id %d: %d bytes, need %d: %w", id, len(b), size, ErrShort)
	}
	return h, nil
}

// CfgResLocalGet is struct res_lib_cfg_local_get.
type CfgResLocalGet struct {
	Error  CsError
	NodeID uint32
}

func (r *CfgResLocalGet) Append(b []byte) []byte {
	b = ResponseHeader{ID: MessageResCfgLocalGet, Size: CfgResLocalGetSize, Error: int32(r.Error)}.Append(b)
	return append(binary.LittleEndian.AppendUint32(b, r.NodeID), 0, 0, 0, 0)
}

func DecodeCfgResLocalGet(b []byte) (*CfgResLocalGet, error) {
	h, err := cfgCheckRes(b, MessageResCfgLocalGet, CfgResLocalGetSize)
	if err != nil {
		return nil, err
	}
	return &CfgResLocalGet{Error: CsError(h.Error), NodeID: binary.LittleEndian.Uint32(b[24:])}, nil
}

// CfgTestShutdown is struct res_lib_cfg_testshutdown, the event every
// tracking connection gets when a shutdown is proposed (Error CS_OK) or
// has timed out (CS_ERR_TIMEOUT).
type CfgTestShutdown struct {
	Error CsError
	Flags uint32
}

func (r *CfgTestShutdown) Append(b []byte) []byte {
	b = ResponseHeader{ID: MessageResCfgTestShutdown, Size: CfgTestShutdownSize, Error: int32(r.Error)}.Append(b)
	return append(binary.LittleEndian.AppendUint32(b, r.Flags), 0, 0, 0, 0)
}

func DecodeCfgTestShutdown(b []byte) (*CfgTestShutdown, error) {
	h, err := cfgCheckRes(b, MessageResCfgTestShutdown, CfgTestShutdownSize)
	if err != nil {
		return nil, err
	}
	return &CfgTestShutdown{Error: CsError(h.Error), Flags: binary.LittleEndian.Uint32(b[24:])}, nil
}

// CfgResGetNodeAddrs is struct res_lib_cfg_get_node_addrs. C sizes the
// message by the node's interface count while NumAddrs counts only the
// slots it filled (an interface without address is skipped), so Slots may
// hold more entries than NumAddrs; the extra slots are zero.
type CfgResGetNodeAddrs struct {
	Error    CsError
	Family   uint32 // AF_INET 2 or AF_INET6 10
	NumAddrs uint32
	Slots    [][TotemIPAddrLen]byte // raw in_addr (first 4 bytes) or in6_addr
}

func (r *CfgResGetNodeAddrs) Append(b []byte) []byte {
	size := CfgResGetNodeAddrsSize + len(r.Slots)*TotemIPAddrLen
	b = ResponseHeader{ID: MessageResCfgGetNodeAddrs, Size: int32(size), Error: int32(r.Error)}.Append(b)
	b = binary.LittleEndian.AppendUint32(b, r.Family)
	b = binary.LittleEndian.AppendUint32(b, r.NumAddrs)
	for _, s := range r.Slots {
		b = append(b, s[:]...)
	}
	return b
}

// DecodeCfgResGetNodeAddrs takes as many slots as the header's size holds.
func DecodeCfgResGetNodeAddrs(b []byte) (*CfgResGetNodeAddrs, error) {
	h, err := cfgCheckRes(b, MessageResCfgGetNodeAddrs, CfgResGetNodeAddrsSize)
	if err != nil {
		return nil, err
	}
	if h.Size < CfgResGetNodeAddrsSize || int(h.Size) > len(b) || (h.Size-CfgResGetNodeAddrsSize)%TotemIPAddrLen != 0 {
		return nil, fmt.Errorf("wire: cfg get_node_addrs response size %d (have %d bytes)", h.Size, len(b))
	}
	r := &CfgResGetNodeAddrs{Error: CsError(h.Error), Family: binary.LittleEndian.Uint32(b[24:]),
		NumAddrs: binary.LittleEndian.Uint32(b[28:])}
	for off := CfgResGetNodeAddrsSize; off < int(h.Size); off += TotemIPAddrLen {
		var s [TotemIPAddrLen]byte
		copy(s[:], b[off:])
		r.Slots = append(r.Slots, s)
	}
	return r, nil
}

// CfgResRingStatusGet is struct res_lib_cfg_ringstatusget: per interface
// "<link> <address>" and a status string.
type CfgResRingStatusGet struct {
	Error  CsError
	Count  uint32
	Names  [CfgMaxInterfaces]string
	Status [CfgMaxInterfaces]string
}

// Append fails on a string that does not fit its slot with its NUL (C
// refuses those with CS_ERR_NAME_TOO_LONG before building the reply).
func (r *CfgResRingStatusGet) Append(b []byte) ([]byte, error) {
	out := make([]byte, CfgResRingStatusGetSize)
	ResponseHeader{ID: MessageResCfgRingStatusGet, Size: CfgResRingStatusGetSize, Error: int32(r.Error)}.Append(out[:0])
	binary.LittleEndian.PutUint32(out[24:], r.Count)
	for i := 0; i < CfgMaxInterfaces; i++ {
		if len(r.Names[i]) >= CfgInterfaceNameMaxLen || len(r.Status[i]) >= CfgInterfaceStatusMaxLen {
			return b, fmt.Errorf("wire: cfg ring status %d: string too long", i)
		}
		copy(out[cfgRingStatusNamesOffset+i*CfgInterfaceNameMaxLen:], r.Names[i])
		copy(out[cfgRingStatusStatOffset+i*CfgInterfaceStatusMaxLen:], r.Status[i])
	}
	return append(b, out...), nil
}

func DecodeCfgResRingStatusGet(b []byte) (*CfgResRingStatusGet, error) {
	h, err := cfgCheckRes(b, MessageResCfgRingStatusGet, CfgResRingStatusGetSize)
	if err != nil {
		return nil, err
	}
	r := &CfgResRingStatusGet{Error: CsError(h.Error), Count: binary.LittleEndian.Uint32(b[24:])}
	for i := 0; i < CfgMaxInterfaces; i++ {
		off := cfgRingStatusNamesOffset + i*CfgInterfaceNameMaxLen
		r.Names[i] = cString(b[off : off+CfgInterfaceNameMaxLen-1])
		off = cfgRingStatusStatOffset + i*CfgInterfaceStatusMaxLen
		r.Status[i] = cString(b[off : off+CfgInterfaceStatusMaxLen-1])
	}
	return r, nil
}

// cString is b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// CfgLinkStatusV1 is struct corosync_knet_link_status_v1.
type CfgLinkStatusV1 struct {
	Enabled, Connected, DynConnected uint8
	MTU                              uint32
	SrcIPAddr, DstIPAddr             string // at most 255 bytes each
}

// CfgNodeStatusV1Body is struct corosync_cfg_node_status_v1.
type CfgNodeStatusV1Body struct {
	Version                                                      uint32
	NodeID                                                       uint32
	Reachable, Remote, External, OnwireMin, OnwireMax, OnwireVer uint8
	Links                                                        [CfgMaxLinks]CfgLinkStatusV1
}

// CfgResNodeStatusGet is the NODESTATUSGET response: the 4200-byte v1 form
// when Error is CS_OK, otherwise res_lib_cfg_nodestatusget_version (32
// bytes, version 0 as C leaves it).
type CfgResNodeStatusGet struct {
	Error  CsError
	Status CfgNodeStatusV1Body
}

func (r *CfgResNodeStatusGet) Append(b []byte) []byte {
	if r.Error != CsOK {
		b = ResponseHeader{ID: MessageResCfgNodeStatusGet, Size: CfgResNodeStatusVerSize, Error: int32(r.Error)}.Append(b)
		return append(binary.LittleEndian.AppendUint32(b, r.Status.Version), 0, 0, 0, 0)
	}
	out := make([]byte, CfgResNodeStatusV1Size)
	ResponseHeader{ID: MessageResCfgNodeStatusGet, Size: CfgResNodeStatusV1Size, Error: int32(r.Error)}.Append(out[:0])
	s := &r.Status
	binary.LittleEndian.PutUint32(out[24:], s.Version)
	binary.LittleEndian.PutUint32(out[28:], s.NodeID)
	copy(out[32:], []byte{s.Reachable, s.Remote, s.External, s.OnwireMin, s.OnwireMax, s.OnwireVer})
	for i, l := range s.Links {
		o := 40 + i*cfgLinkStatusV1Size
		out[o], out[o+1], out[o+2] = l.Enabled, l.Connected, l.DynConnected
		binary.LittleEndian.PutUint32(out[o+4:], l.MTU)
		copy(out[o+8:o+8+CfgMaxHostLen-1], l.SrcIPAddr)
		copy(out[o+264:o+264+CfgMaxHostLen-1], l.DstIPAddr)
	}
	return append(b, out...)
}

// DecodeCfgResNodeStatusGet accepts both forms, chosen by the header's
// size as libcfg's caller sees it.
func DecodeCfgResNodeStatusGet(b []byte) (*CfgResNodeStatusGet, error) {
	h, err := cfgCheckRes(b, MessageResCfgNodeStatusGet, CfgResNodeStatusVerSize)
	if err != nil {
		return nil, err
	}
	r := &CfgResNodeStatusGet{Error: CsError(h.Error)}
	r.Status.Version = binary.LittleEndian.Uint32(b[24:])
	if h.Size != CfgResNodeStatusV1Size {
		return r, nil
	}
	if len(b) < CfgResNodeStatusV1Size {
		return nil, fmt.Errorf("wire: cfg nodestatus response: %d bytes: %w", len(b), ErrShort)
	}
	s := &r.Status
	s.NodeID = binary.LittleEndian.Uint32(b[28:])
	s.Reachable, s.Remote, s.External, s.OnwireMin, s.OnwireMax, s.OnwireVer = b[32], b[33], b[34], b[35], b[36], b[37]
	for i := range s.Links {
		o := 40 + i*cfgLinkStatusV1Size
		l := &s.Links[i]
		l.Enabled, l.Connected, l.DynConnected = b[o], b[o+1], b[o+2]
		l.MTU = binary.LittleEndian.Uint32(b[o+4:])
		l.SrcIPAddr = cString(b[o+8 : o+8+CfgMaxHostLen-1])
		l.DstIPAddr = cString(b[o+264 : o+264+CfgMaxHostLen-1])
	}
	return r, nil
}
