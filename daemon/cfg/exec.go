package cfg

import (
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/wire"
)

// Deliver runs the exec handler of one delivered cfg message (service 1)
// sent by node nodeid, in delivery order. A message that does not decode
// is logged and dropped.
func (e *Engine) Deliver(nodeid uint32, msg []byte) {
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil {
		e.logf(logsys.Error, "undecodable cfg message from node %d: %v", nodeid, err)
		return
	}
	svc, fn := wire.SplitServiceID(h.ID)
	if svc != ServiceID {
		e.logf(logsys.Error, "message of service %d given to cfg", svc)
		return
	}
	m, err := wire.DecodeExec(msg)
	if err != nil {
		e.logf(logsys.Error, "undecodable cfg message %d from node %d: %v", fn, nodeid, err)
		return
	}
	switch m := m.(type) {
	case *wire.CfgRingreenable:
		// A no-op since corosync 2.
	case *wire.CfgKillnode:
		e.execKillnode(nodeid, m)
	case *wire.CfgShutdown:
		e.logf(logsys.Notice, "Node %d was shut down by sysadmin", nodeid)
		if nodeid == e.cfg.Node.LocalNodeID() {
			e.cfg.Shutdown()
		}
	case *wire.CfgReloadConfig:
		e.execReloadConfig(nodeid, m)
	case *wire.CfgCryptoReconfig:
		e.execCryptoReconfig(nodeid, m)
	}
}

// execKillnode is message_handler_req_exec_cfg_killnode.
func (e *Engine) execKillnode(nodeid uint32, m *wire.CfgKillnode) {
	local := e.cfg.Node.LocalNodeID()
	e.logf(logsys.Debug, "request to kill node %d (us=%d)", m.NodeID, local)
	if m.NodeID != local {
		return
	}
	e.logf(logsys.Notice, "Killed by node %d : %s", nodeid, cReason(m.Reason))
	e.cfg.Fatal()
}

// cReason is reason.value as C's %s prints it: up to the first NUL.
func cReason(n wire.MarName) string {
	for i, c := range n.Value {
		if c == 0 {
			return string(n.Value[:i])
		}
	}
	return string(n.Value[:])
}

// execCryptoReconfig is message_handler_req_exec_cfg_reconfig_crypto: each
// node acts on its own messages only, ACTIVATE then CLEANUP.
func (e *Engine) execCryptoReconfig(nodeid uint32, m *wire.CfgCryptoReconfig) {
	if nodeid != e.cfg.Node.LocalNodeID() {
		return
	}
	e.logf(logsys.Debug, "Crypto reconfiguration phase %d", m.Phase)
	if e.cfg.CryptoReconfigure != nil {
		e.cfg.CryptoReconfigure(m.Phase)
	}
	if m.Phase < wire.CryptoReconfigPhaseCleanup {
		e.sendCryptoReconfig(wire.CryptoReconfigPhaseCleanup)
	}
}

func (e *Engine) sendCryptoReconfig(phase uint32) {
	msg, _ := (&wire.CfgCryptoReconfig{Phase: phase}).Append(nil)
	if err := e.cfg.Node.Mcast(msg); err != nil {
		e.logf(logsys.Error, "cannot multicast crypto reconfiguration phase %d: %v", phase, err)
	}
}
