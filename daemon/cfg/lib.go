package cfg

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

type libHandler struct {
	fn   ipc.Handler
	flow bool // CS_LIB_FLOW_CONTROL_REQUIRED
}

// libHandlers is cfg_lib_engine, by request id.
func (e *Engine) libHandlers() map[int32]libHandler {
	return map[int32]libHandler{
		wire.MessageReqCfgRingStatusGet:   {e.ringStatusGet, true},
		wire.MessageReqCfgRingReenable:    {e.ringReenable, true},
		wire.MessageReqCfgKillnode:        {e.killnode, true},
		wire.MessageReqCfgTryShutdown:     {e.tryShutdown, true},
		wire.MessageReqCfgReplyToShutdown: {e.replyToShutdown, true},
		wire.MessageReqCfgGetNodeAddrs:    {e.getNodeAddrs, false},
		wire.MessageReqCfgLocalGet:        {e.localGet, false},
		wire.MessageReqCfgReloadConfig:    {e.reloadConfig, true},
		wire.MessageReqCfgReopenLogFiles:  {e.reopenLogFiles, false},
		wire.MessageReqCfgNodeStatusGet:   {e.nodeStatusGet, false},
		wire.MessageReqCfgTrackStart:      {e.trackStart, true},
		wire.MessageReqCfgTrackStop:       {e.trackStop, true},
	}
}

// ringStatusGet is message_handler_req_lib_cfg_ringstatusget: the local
// node's interfaces as "<link> <address>" and the transport's status.
func (e *Engine) ringStatusGet(c *ipc.Conn, _ []byte) {
	ifs := e.cfg.Node.Interfaces(e.cfg.Node.LocalNodeID())
	if len(ifs) > wire.CfgMaxInterfaces {
		ifs = ifs[:wire.CfgMaxInterfaces]
	}
	res := &wire.CfgResRingStatusGet{Error: wire.CsOK, Count: uint32(len(ifs))}
	for i, f := range ifs {
		ip := totemIPString(f)
		// C leaves room for the link number in front.
		if len(ip) >= wire.CfgInterfaceNameMaxLen-3 {
			e.logf(logsys.Error, "String representation of interface %d is too long", i)
			res.Error = wire.CsErrNameTooLong
			break
		}
		if len(f.Status) >= wire.CfgInterfaceStatusMaxLen {
			e.logf(logsys.Error, "Status string for interface %d is too long", i)
			res.Error = wire.CsErrNameTooLong
			break
		}
		name := fmt.Sprintf("%d %s", f.Link, ip)
		if len(name) >= wire.CfgInterfaceNameMaxLen {
			name = name[:wire.CfgInterfaceNameMaxLen-1] // snprintf truncation
		}
		res.Names[i], res.Status[i] = name, f.Status
	}
	b, err := res.Append(nil)
	if err != nil { // cannot happen: lengths checked above
		b = wire.CfgResPlain(wire.MessageResCfgRingStatusGet, wire.CsErrLibrary)
	}
	e.respond(c, b)
}

// totemIPString is totemip_print: inet_ntop of the address, "" for none.
func totemIPString(f Interface) string {
	if !f.Addr.IsValid() {
		return ""
	}
	return f.Addr.String()
}

// nodeStatusGet is message_handler_req_lib_cfg_nodestatusget.
func (e *Engine) nodeStatusGet(c *ipc.Conn, msg []byte) {
	req, err := wire.DecodeCfgReqNodeStatusGet(msg)
	if err != nil {
		e.respond(c, (&wire.CfgResNodeStatusGet{Error: wire.CsErrInvalidParam}).Append(nil))
		return
	}
	st, err := e.cfg.Node.NodeStatus(req.NodeID)
	if err != nil {
		e.respond(c, (&wire.CfgResNodeStatusGet{Error: wire.CsErrFailedOperation}).Append(nil))
		return
	}
	if req.Version != wire.CfgNodeStatusV1 {
		e.respond(c, (&wire.CfgResNodeStatusGet{Error: wire.CsErrNotSupported}).Append(nil))
		return
	}
	res := &wire.CfgResNodeStatusGet{Error: wire.CsOK, Status: wire.CfgNodeStatusV1Body{
		Version: wire.CfgNodeStatusV1, NodeID: req.NodeID,
		Reachable: b2u8(st.Reachable), Remote: b2u8(st.Remote), External: b2u8(st.External),
		OnwireMin: st.OnwireMin, OnwireMax: st.OnwireMax, OnwireVer: st.OnwireVer,
		Links: st.Links,
	}}
	e.respond(c, res.Append(nil))
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// ringReenable: there are no faulty rings to re-enable in corosync 3.
func (e *Engine) ringReenable(c *ipc.Conn, _ []byte) {
	e.respond(c, wire.CfgResPlain(wire.MessageResCfgRingReenable, wire.CsErrNotSupported))
}

// killnode is message_handler_req_lib_cfg_killnode: only a node that
// runtime.members lists as joined can be killed.
func (e *Engine) killnode(c *ipc.Conn, msg []byte) {
	req, err := wire.DecodeCfgReqKillnode(msg)
	if err != nil {
		e.respond(c, wire.CfgResPlain(wire.MessageResCfgKillnode, wire.CsErrInvalidParam))
		return
	}
	status := e.memberStatus(req.NodeID)
	if status == wire.CsOK {
		ex, err := (&wire.CfgKillnode{NodeID: req.NodeID, Reason: req.Reason.MarName()}).Append(nil)
		if err == nil {
			// C ignores the result of this totem_mcast.
			_ = e.cfg.Node.Mcast(ex)
		}
	}
	e.respond(c, wire.CfgResPlain(wire.MessageResCfgKillnode, status))
}

// memberStatus walks runtime.members.* as killnode does: CS_OK for a
// joined member, CS_ERR_NOT_EXIST for an unknown or left one,
// CS_ERR_LIBRARY if the status is not a string.
func (e *Engine) memberStatus(nodeid uint32) wire.CsError {
	it := e.cfg.Map.Iter("runtime.members.")
	for {
		key, _, _, ok := it.Next()
		if !ok {
			return wire.CsErrNotExist
		}
		rest := strings.TrimPrefix(key, "runtime.members.")
		id, name, found := strings.Cut(rest, ".")
		if !found || name != "status" {
			continue
		}
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil || uint32(n) != nodeid {
			continue
		}
		s, err := e.cfg.Map.GetString(key)
		if err != nil {
			return wire.CsErrLibrary
		}
		if s != "joined" {
			return wire.CsErrNotExist
		}
		return wire.CsOK
	}
}

// getNodeAddrs is message_handler_req_lib_cfg_get_node_addrs: the node's
// nodelist addresses, one 16-byte slot per interface.
func (e *Engine) getNodeAddrs(c *ipc.Conn, msg []byte) {
	req, err := wire.DecodeCfgReqGetNodeAddrs(msg)
	if err != nil {
		e.respond(c, (&wire.CfgResGetNodeAddrs{Error: wire.CsErrInvalidParam}).Append(nil))
		return
	}
	nodeid := req.NodeID
	if nodeid == 0 {
		nodeid = e.cfg.Node.LocalNodeID()
	}
	ifs := e.cfg.Node.Interfaces(nodeid)
	if len(ifs) > interfaceMax {
		ifs = ifs[:interfaceMax]
	}
	res := &wire.CfgResGetNodeAddrs{Error: wire.CsOK}
	if len(ifs) == 0 {
		res.Error = wire.CsErrNotExist
		e.respond(c, res.Append(nil))
		return
	}
	res.Family = family(ifs[0].Addr)
	res.Slots = make([][wire.TotemIPAddrLen]byte, len(ifs))
	n := 0
	for _, f := range ifs {
		if !f.Addr.IsValid() {
			continue // no family: skipped, its slot stays zero
		}
		if f.Addr.Is4() {
			a := f.Addr.As4()
			copy(res.Slots[n][:], a[:])
		} else {
			res.Slots[n] = f.Addr.As16()
		}
		n++
	}
	res.NumAddrs = uint32(n)
	e.respond(c, res.Append(nil))
}

// interfaceMax is INTERFACE_MAX, the size of C's node_ifs array.
const interfaceMax = 8

func family(a netip.Addr) uint32 {
	switch {
	case !a.IsValid():
		return 0
	case a.Is4():
		return 2 // AF_INET
	default:
		return 10 // AF_INET6
	}
}

// localGet is message_handler_req_lib_cfg_local_get.
func (e *Engine) localGet(c *ipc.Conn, _ []byte) {
	e.respond(c, (&wire.CfgResLocalGet{Error: wire.CsOK, NodeID: e.cfg.Node.LocalNodeID()}).Append(nil))
}

// reopenLogFiles is message_handler_req_lib_cfg_reopen_log_files.
func (e *Engine) reopenLogFiles(c *ipc.Conn, _ []byte) {
	e.logf(logsys.Debug, "Reopening logging files")
	res := wire.CsOK
	if err := e.cfg.Reopen(); err != nil {
		res = wire.CsErrorOf(err)
	}
	e.respond(c, wire.CfgResPlain(wire.MessageResCfgReopenLogFiles, res))
}

// reloadConfig is message_handler_req_lib_cfg_reload_config: the answer
// comes when this node delivers its own RELOAD_CONFIG (Deliver).
func (e *Engine) reloadConfig(c *ipc.Conn, _ []byte) {
	msg, _ := (&wire.CfgReloadConfig{Source: wire.MessageSource{NodeID: e.cfg.Node.LocalNodeID(), Conn: c.ID()}}).Append(nil)
	if err := e.cfg.Node.Mcast(msg); err != nil {
		// C asserts here; refusing is kinder and the caller may retry.
		e.logf(logsys.Error, "cannot multicast the reload request: %v", err)
		e.respond(c, wire.CfgResPlain(wire.MessageResCfgReloadConfig, wire.CsErrTryAgain))
	}
}
