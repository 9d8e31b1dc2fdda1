package wire

import (
	"errors"
	"fmt"
)

// Service ids (enum corosync_service_types in include/corosync/corodefs.h).
// They are the high 16 bits of every exec header id.
const (
	CmapService       uint16 = 0 // CMAP_SERVICE
	CfgService        uint16 = 1 // CFG_SERVICE
	CpgService        uint16 = 2 // CPG_SERVICE
	QuorumService     uint16 = 3 // QUORUM_SERVICE (no exec messages)
	PloadService      uint16 = 4 // PLOAD_SERVICE
	VotequorumService uint16 = 5 // VOTEQUORUM_SERVICE
	MonService        uint16 = 6 // MON_SERVICE (no exec messages)
	WdService         uint16 = 7 // WD_SERVICE (no exec messages)
)

// ServiceName gives the name C uses in internal_configuration.service.N.name.
func ServiceName(service uint16) string {
	switch service {
	case CmapService:
		return "corosync_cmap"
	case CfgService:
		return "corosync_cfg"
	case CpgService:
		return "corosync_cpg"
	case QuorumService:
		return "corosync_quorum"
	case PloadService:
		return "corosync_pload"
	case VotequorumService:
		return "corosync_votequorum"
	case MonService:
		return "corosync_mon"
	case WdService:
		return "corosync_wd"
	}
	return fmt.Sprintf("service(%d)", service)
}

// ExecMessage is one decoded exec (group "a") message.
type ExecMessage interface {
	// ExecID is the header id, SERVICE_ID_MAKE(service, fn).
	ExecID() int32
	// Append encodes the whole message, header included, with zero padding.
	Append(b []byte) ([]byte, error)
}

// ErrUnknownExec reports a service or fn id this codec does not know. C drops
// such messages (unloaded service: silently; fn ≥ exec_engine_count: with a
// warning), so callers should drop them too rather than treat them as fatal.
var ErrUnknownExec = errors.New("wire: unknown exec service or function")

// DecodeExec decodes one complete exec message (what follows the group header).
//
// Leniency common to every decoder here: like C's deliver_fn, the header size
// field is not checked against the real length (C never reads it, except for
// the CPG JOINLIST, where it bounds the entry list), padding is ignored, and
// bytes after the fixed struct are ignored. Strictness: the input must hold
// every byte the C handler would read; a short message is an error, not an
// out-of-bounds read as in C.
//
// Only little-endian messages are decoded. A frame from a big-endian sender
// (SrpHeader.Swapped) should be dropped: C's own mixed-endian support is
// broken (sync never swaps, wire-spec §1.2), so no working ring has one.
func DecodeExec(b []byte) (ExecMessage, error) {
	h, err := DecodeRequestHeader(b)
	if err != nil {
		return nil, err
	}
	service, fn := SplitServiceID(h.ID)
	switch service {
	case CmapService:
		if fn == MessageReqExecCmapMcast {
			return DecodeCmapMcast(b)
		}
	case CfgService:
		return decodeCfg(fn, b)
	case CpgService:
		return decodeCpg(fn, b)
	case PloadService:
		return decodePload(fn, b)
	case VotequorumService:
		return decodeVotequorum(fn, b)
	}
	return nil, fmt.Errorf("%w: %s fn %d", ErrUnknownExec, ServiceName(service), fn)
}

// EncodeExec is a convenience for m.Append(nil).
func EncodeExec(m ExecMessage) ([]byte, error) { return m.Append(nil) }

// marCheckFixed reports ErrShort-style errors with the message name in them.
func marCheckFixed(what string, b []byte, need int) error {
	if len(b) < need {
		return fmt.Errorf("%w: %s needs %d bytes, got %d", ErrShort, what, need, len(b))
	}
	return nil
}
