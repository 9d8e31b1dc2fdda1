package daemon

import (
	"fmt"
	"slices"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/daemon/transport"
)

// applyTotem is the cfg engine's ApplyTotem: what totempg_put_config and
// totemconfig_commit_new_params do with a reloaded configuration. totemsrp
// takes the volatile timers, the udpu transport the new nodelist; the
// engines' view of the nodelist (cfgtool -n, runtime.members.N.ip of nodes
// that join later) follows. It is called with mu held, normally on the
// ring's loop as the cfg engine delivers RELOAD_CONFIG.
func (en *engines) applyTotem(c *confparse.Config) error {
	srp := srpConfig(c)
	if err := srp.Validate(); err != nil {
		return err
	}
	members := transportMembers(c)
	old := en.conf.Load()
	r := en.ring.Load()
	switch {
	case r == nil:
		// No ring yet (transport still coming up): it will be built
		// from the daemon's start-up config; nothing runs to change.
	case en.onLoop:
		if err := r.ReconfigureOnLoop(srp, members); err != nil {
			return err
		}
	default:
		// Off the loop with mu held, waiting for the loop could deadlock
		// against an entry it is about to make; hand it over instead.
		log := en.d.Logs.Subsys("TOTEM")
		go func() {
			if err := r.Reconfigure(srp, members); err != nil {
				log.Logf(logsys.Error, "Cannot apply the reloaded totem configuration: %v", err)
			}
		}()
	}
	if old != nil && r != nil {
		en.logMemberChanges(c.Totem().Transport, transportMembers(old), members)
	}
	en.conf.Store(c)
	return nil
}

// logMemberChanges logs what compute_and_set_totempg_interfaces and
// totemudpu_member_add/remove log for the members a reload takes away and
// adds: removals first, each in nodelist order. C compares address and
// nodeid together, so a node whose nodeid changed is removed and added.
// Only udpu keeps a member list; udp's member_add/remove log nothing.
func (en *engines) logMemberChanges(transportName string, old, cur []transport.Member) {
	log := en.d.Logs.Subsys("TOTEM")
	has := func(set []transport.Member, m transport.Member) bool {
		return slices.ContainsFunc(set, func(o transport.Member) bool {
			return o.NodeID == m.NodeID && o.Addrs[0] == m.Addrs[0]
		})
	}
	for _, m := range old {
		if !has(cur, m) {
			log.Debugf("removing dynamic member %s for ring 0", m.Addrs[0])
			if transportName == "udpu" {
				log.Noticef("removing UDPU member {%s}", m.Addrs[0])
			}
		}
	}
	for _, m := range cur {
		if !has(old, m) {
			log.Debugf("adding dynamic member %s for ring 0", m.Addrs[0])
			if transportName == "udpu" {
				log.Noticef("adding new UDPU member {%s}", m.Addrs[0])
			}
		}
	}
}

// memberIP is totempg_ifaces_print for runtime.members.N.ip: the node's
// addresses in the running nodelist, the reloaded one after a reload.
// A node the nodelist does not name prints as nothing, as in C.
func (en *engines) memberIP(nodeid uint32) string {
	c := en.conf.Load()
	if c == nil {
		return ""
	}
	for _, n := range c.Nodes() {
		if n.NodeID == nodeid && n.Addrs[0] != nil {
			return fmt.Sprintf("r(0) ip(%s) ", n.Addrs[0])
		}
	}
	return ""
}
