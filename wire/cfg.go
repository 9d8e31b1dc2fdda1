package wire

import "fmt"

// cfg exec functions (exec/cfg.c).
const (
	MessageReqExecCfgRingreenable   uint16 = 0
	MessageReqExecCfgKillnode       uint16 = 1
	MessageReqExecCfgShutdown       uint16 = 2
	MessageReqExecCfgReloadConfig   uint16 = 3
	MessageReqExecCfgCryptoReconfig uint16 = 4
)

// Struct sizes. C fills none of these with memset, so their padding bytes
// (and the tail of the killnode reason) travel as whatever was on the stack;
// the encoders write zeros and the decoders ignore padding.
const (
	CfgRingreenableSize   = 32  // header + mar_message_source_t
	CfgKillnodeSize       = 288 // header + u32 nodeid (+4) + mar_name_t reason
	CfgShutdownSize       = 16  // header only
	CfgReloadConfigSize   = 32  // header + mar_message_source_t
	CfgCryptoReconfigSize = 24  // header + u32 phase (+4)
)

// CRYPTO_RECONFIG phases (CRYPTO_RECONFIG_PHASE_*).
const (
	CryptoReconfigPhaseActivate uint32 = 1
	CryptoReconfigPhaseCleanup  uint32 = 2
)

func decodeCfg(fn uint16, b []byte) (ExecMessage, error) {
	switch fn {
	case MessageReqExecCfgRingreenable:
		src, err := decodeCfgSource("cfg ringreenable", b)
		return &CfgRingreenable{Source: src}, err
	case MessageReqExecCfgKillnode:
		return DecodeCfgKillnode(b)
	case MessageReqExecCfgShutdown:
		if _, err := DecodeRequestHeader(b); err != nil {
			return nil, err
		}
		return &CfgShutdown{}, nil
	case MessageReqExecCfgReloadConfig:
		src, err := decodeCfgSource("cfg reload_config", b)
		return &CfgReloadConfig{Source: src}, err
	case MessageReqExecCfgCryptoReconfig:
		if err := marCheckFixed("cfg crypto_reconfig", b, 20); err != nil {
			return nil, err
		}
		return &CfgCryptoReconfig{Phase: marU32(b[16:])}, nil
	}
	return nil, fmt.Errorf("%w: corosync_cfg fn %d", ErrUnknownExec, fn)
}

func decodeCfgSource(what string, b []byte) (MessageSource, error) {
	if err := marCheckFixed(what, b, 32); err != nil {
		return MessageSource{}, err
	}
	return decodeMessageSource(b[16:])
}

// CfgRingreenable is struct req_exec_cfg_ringreenable; a no-op in 3.x.
type CfgRingreenable struct{ Source MessageSource }

// CfgReloadConfig is struct req_exec_cfg_reload_config: every node re-reads
// corosync.conf; Source tells the sender which IPC connection to answer.
type CfgReloadConfig struct{ Source MessageSource }

// CfgShutdown is struct req_exec_cfg_shutdown: the sender stops when it
// delivers its own message.
type CfgShutdown struct{}

// CfgCryptoReconfig is struct req_exec_cfg_crypto_reconfig.
type CfgCryptoReconfig struct{ Phase uint32 }

// CfgKillnode is struct req_exec_cfg_killnode: NodeID must exit, logging Reason.
type CfgKillnode struct {
	NodeID uint32
	Reason MarName
}

func (*CfgRingreenable) ExecID() int32 { return ServiceID(CfgService, MessageReqExecCfgRingreenable) }
func (*CfgReloadConfig) ExecID() int32 { return ServiceID(CfgService, MessageReqExecCfgReloadConfig) }
func (*CfgShutdown) ExecID() int32     { return ServiceID(CfgService, MessageReqExecCfgShutdown) }
func (*CfgKillnode) ExecID() int32     { return ServiceID(CfgService, MessageReqExecCfgKillnode) }
func (*CfgCryptoReconfig) ExecID() int32 {
	return ServiceID(CfgService, MessageReqExecCfgCryptoReconfig)
}

func (m *CfgRingreenable) Append(b []byte) ([]byte, error) {
	return m.Source.append(RequestHeader{ID: m.ExecID(), Size: CfgRingreenableSize}.Append(b)), nil
}

func (m *CfgReloadConfig) Append(b []byte) ([]byte, error) {
	return m.Source.append(RequestHeader{ID: m.ExecID(), Size: CfgReloadConfigSize}.Append(b)), nil
}

func (m *CfgShutdown) Append(b []byte) ([]byte, error) {
	return RequestHeader{ID: m.ExecID(), Size: CfgShutdownSize}.Append(b), nil
}

func (m *CfgCryptoReconfig) Append(b []byte) ([]byte, error) {
	return marAppendU32Pad(RequestHeader{ID: m.ExecID(), Size: CfgCryptoReconfigSize}.Append(b), m.Phase), nil
}

func (m *CfgKillnode) Append(b []byte) ([]byte, error) {
	b = marAppendU32Pad(RequestHeader{ID: m.ExecID(), Size: CfgKillnodeSize}.Append(b), m.NodeID)
	return m.Reason.append(b), nil
}

// DecodeCfgKillnode: strict on the reason length (see decodeMarName). C prints
// reason.value with %s; a reason without NUL in its 256 bytes is accepted here
// and String() stops at Length.
func DecodeCfgKillnode(b []byte) (*CfgKillnode, error) {
	if err := marCheckFixed("cfg killnode", b, CfgKillnodeSize); err != nil {
		return nil, err
	}
	r, err := decodeMarName(b[24:])
	if err != nil {
		return nil, err
	}
	return &CfgKillnode{NodeID: marU32(b[16:]), Reason: r}, nil
}
