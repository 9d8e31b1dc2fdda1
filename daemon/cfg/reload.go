package cfg

import (
	"net/netip"
	"strings"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/wire"
)

// roKeys are remove_ro_entries' keys (corosync 3.1.7 built with knet
// crypto reconfiguration, as Debian's is, so the crypto keys may change).
// The totem.interface.* names are C's and match no real key
// (totem.interface.N.x): C lets those change, and so do we.
var roKeys = []string{
	"totem.version", "totem.threads", "totem.ip_version", "totem.rrp_mode", "totem.netmtu",
	"totem.interface.ringnumber", "totem.interface.bindnetaddr", "totem.interface.mcastaddr",
	"totem.interface.broadcast", "totem.interface.mcastport", "totem.interface.ttl",
	"totem.transport", "totem.cluster_name", "quorum.provider",
	"system.move_to_root_cgroup", "system.allow_knet_handle_fallback", "system.sched_rr",
	"system.priority", "system.qb_ipc_type", "system.state_dir",
}

// reloadPrefixes are the sections whose deleted keys a reload removes
// (remove_deleted_entries' calls).
var reloadPrefixes = []string{"logging.", "totem.", "nodelist.", "quorum.", "uidgid.config.", "nozzle."}

var cryptoKeys = []string{"totem.crypto_cipher", "totem.crypto_hash", "totem.crypto_model", "totem.keyfile", "totem.key", "totem.secauth"}

// execReloadConfig is message_handler_req_exec_cfg_reload_config: every
// node re-reads its corosync.conf; the requesting node answers its client.
func (e *Engine) execReloadConfig(nodeid uint32, m *wire.CfgReloadConfig) {
	res, cryptoChanged := e.reload(nodeid)
	if cryptoChanged {
		e.sendCryptoReconfig(wire.CryptoReconfigPhaseActivate)
	}
	if nodeid != e.cfg.Node.LocalNodeID() {
		return
	}
	e.mu.Lock()
	ci := e.conns[m.Source.Conn]
	e.mu.Unlock()
	if ci == nil {
		e.logf(logsys.Debug, "reload requester (conn %d) has gone", m.Source.Conn)
		return
	}
	e.respond(ci.c, wire.CfgResPlain(wire.MessageResCfgReloadConfig, res))
}

// reload re-reads the configuration into the live map the way C does,
// keeping the running one when the new file is bad.
func (e *Engine) reload(nodeid uint32) (res wire.CsError, cryptoChanged bool) {
	live := e.cfg.Map
	e.logf(logsys.Notice, "Config reload requested by node %d", nodeid)
	_ = live.Set("config.totemconfig_reload_in_progress", uint8(1))

	data, err := e.cfg.ReadFile(e.cfg.ConfigPath)
	var parsed []confparse.Key
	if err == nil {
		parsed, err = confparse.ParseKeys(e.cfg.ConfigPath, data, e.cfg.Options)
	} else if _, lerr := confparse.Load(e.cfg.ConfigPath, e.cfg.Options); lerr != nil {
		err = lerr // C's "Can't read file <path>: <strerror>"
	}
	if err != nil {
		// C jumps past its cleanup here: neither config.reload_status nor
		// config.totemconfig_reload_in_progress is reset.
		e.logf(logsys.Error, "Unable to reload config file: %s", err)
		return wire.CsErrInvalidParam, false
	}
	defer func() {
		_ = live.Set("config.reload_status", int32(res))
		_ = live.Set("config.totemconfig_reload_in_progress", uint8(0))
		_ = live.Set("config.reload_in_progress", uint8(0))
	}()
	// C's temporary map starts as the parsed file alone. What totemconfig
	// derives into it (nodelist.local_node_pos, generated nodeids,
	// runtime.config.*) comes later, so remove_deleted_entries first
	// deletes those from the live map, and a reload refused after that
	// point leaves them deleted (checked against the real daemon:
	// interop TestReloadNodelist, local_node_pos after a refused address
	// change). Startup-only keys such as the totem.interface.N.bindnetaddr
	// that config_convert_nodelist_to_interface adds never come back.
	temp := icmap.New()
	for _, k := range parsed {
		if err := temp.Set(k.Name, k.Value); err != nil {
			e.logf(logsys.Error, "Unable to reload config file: %s: %v", k.Name, err)
			return wire.CsErrInvalidParam, false
		}
	}

	_ = live.Set("config.reload_in_progress", uint8(1))
	for _, p := range reloadPrefixes {
		removeDeletedEntries(live, temp, p)
	}
	for _, k := range roKeys {
		if !icmap.KeyValueEq(temp, k, live, k) && temp.Delete(k) == nil {
			e.logf(logsys.Notice, "Modified entry '%s' in corosync.conf cannot be changed at run-time", k)
		}
	}

	nc, err := confparse.LoadBytes(e.cfg.ConfigPath, data, e.cfg.Options)
	if err != nil {
		// What C finds in totemconfig_configure_new_params,
		// totem_volatile_config_validate and the crypto reread: nothing
		// is copied and the running totem stays as it was.
		e.logf(logsys.Error, "Configuration is not valid: %s", err)
		return wire.CsErrInvalidParam, false
	}
	if !e.addressesUnchanged(nc) {
		e.logf(logsys.Error, "Cannot configure new interface definitions: %s", errAddrChanged)
		return wire.CsErrInvalidParam, false
	}
	for _, k := range nc.Keys {
		if strings.HasPrefix(k.Name, "runtime.config.") || strings.HasPrefix(k.Name, "nodelist.") {
			if err := temp.Set(k.Name, k.Value); err != nil {
				e.logf(logsys.Error, "Unable to reload config file: %s: %v", k.Name, err)
				return wire.CsErrInvalidParam, false
			}
		}
	}
	cryptoChanged = nc.Transport() == "knet" && keysDiffer(temp, live, cryptoKeys)

	if err := icmap.CopyMap(live, temp); err != nil {
		e.logf(logsys.Error, "Error making new config live. cmap database may be inconsistent")
		return wire.CsErrorOf(err), false
	}
	if e.cfg.ApplyTotem != nil {
		if err := e.cfg.ApplyTotem(nc); err != nil {
			e.logf(logsys.Error, "Cannot configure new interface definitions: %v", err)
			return wire.CsErrInvalidParam, cryptoChanged
		}
	}
	return wire.CsOK, cryptoChanged
}

const errAddrChanged = "To reconfigure an interface it must be deleted and recreated. " +
	"A working interface needs to be available to corosync at all times"

// addressesUnchanged is check_things_have_not_changed: a node the running
// nodelist knows may not come back with another address on a link (it
// would have to leave the transport and rejoin). Every such link is
// logged; nodes only in one of the lists are the additions and removals
// a reload is for.
func (e *Engine) addressesUnchanged(nc *confparse.Config) bool {
	ok := true
	for _, n := range nc.Nodes() {
		for link, ip := range n.Addrs {
			if ip == nil {
				continue
			}
			a, valid := netip.AddrFromSlice(ip)
			if !valid {
				continue
			}
			a = a.Unmap()
			for _, old := range e.cfg.Node.Interfaces(n.NodeID) {
				if old.Link == link && old.Addr.IsValid() && old.Addr != a {
					e.logf(logsys.Error, "new config has different address for link %d (addr changed from %s to %s). Internal value was NOT changed.",
						link, old.Addr, a)
					ok = false
				}
			}
		}
	}
	return ok
}

// removeDeletedEntries is remove_deleted_entries: keys of the live map under
// prefix that the new file no longer has are deleted (tracks fire).
func removeDeletedEntries(live, temp *icmap.Map, prefix string) {
	for _, ent := range live.Snapshot(prefix) {
		if _, _, err := temp.Info(ent.Key); err != nil {
			_ = live.Delete(ent.Key)
		}
	}
}

func keysDiffer(a, b *icmap.Map, keys []string) bool {
	for _, k := range keys {
		_, _, ea := a.Info(k)
		_, _, eb := b.Info(k)
		if (ea == nil) != (eb == nil) || (ea == nil && !icmap.KeyValueEq(a, k, b, k)) {
			return true
		}
	}
	return false
}
