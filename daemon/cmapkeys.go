package daemon

import (
	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
)

// setROKeys is main.c's set_icmap_ro_keys_flag plus totemconfig's marking
// of nodelist.local_node_pos: keys clients may not change.
func setROKeys(m *icmap.Map) {
	for _, p := range []string{"internal_configuration.", "runtime.services.", "runtime.config.",
		"runtime.totem.", "uidgid.config.", "system.", "nodelist."} {
		_ = m.SetROAccess(p, true, true)
	}
	for _, k := range []string{"totem.crypto_cipher", "totem.crypto_hash", "totem.crypto_model",
		"totem.keyfile", "totem.key", "totem.secauth", "totem.ip_version", "totem.rrp_mode",
		"totem.transport", "totem.cluster_name", "totem.netmtu", "totem.threads", "totem.version",
		"totem.nodeid", "totem.clear_node_high_bit", "config.reload_in_progress",
		"config.totemconfig_reload_in_progress", "nodelist.local_node_pos"} {
		_ = m.SetROAccess(k, false, true)
	}
}

// loadKeys puts the configuration's keys into the map.
func loadKeys(m *icmap.Map, cfg *confparse.Config) error {
	for _, k := range cfg.Keys {
		if err := m.Set(k.Name, k.Value); err != nil {
			return err
		}
	}
	return nil
}

// addRuntimeKeys stores the keys main.c creates at startup that do not
// come from the configuration: the blackbox and force_gather controls
// (with their tracks) and each service engine's registration.
// forceGather, when not nil, is totempg_force_gather.
func addRuntimeKeys(m *icmap.Map, log *logsys.Logger, services []Service, forceGather func()) error {
	for _, s := range services {
		if err := LinkServiceKeys(m, s); err != nil {
			return err
		}
	}
	// corosync_fplay_control_init
	for _, k := range []string{"runtime.blackbox.dump_flight_data", "runtime.blackbox.dump_state"} {
		if err := m.Set(k, "no"); err != nil {
			return err
		}
	}
	// corosync_force_gather_init: any value other than "no" is reset to
	// "no"; setting runtime.force_gather asks totem to go to GATHER.
	if err := m.Set("runtime.force_gather", "no"); err != nil {
		return err
	}
	_, err := m.TrackAdd("runtime.force_gather", icmap.TrackAdd|icmap.TrackDelete|icmap.TrackModify,
		func(_ icmap.TrackFlags, key string, _, _ icmap.NotifyValue, _ any) {
			if v, err := m.GetString(key); err == nil && v == "no" {
				return
			}
			_ = m.Set("runtime.force_gather", "no")
			if key == "runtime.force_gather" && forceGather != nil {
				log.Errorf("Forcing into GATHER state\n")
				forceGather()
			}
		}, nil)
	return err
}
