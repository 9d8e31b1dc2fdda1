package daemon

import (
	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/logsys"
)

// applyTotem is the cfg engine's ApplyTotem: what totemconfig_commit_new_params
// and totempg_reconfigure do with a reloaded configuration. totemsrp takes
// the volatile timers, the udpu transport the new nodelist; the engines'
// view of the nodelist (cfgtool -n, node addresses) follows. It is called
// with mu held, normally on the ring's loop as the cfg engine delivers
// RELOAD_CONFIG.
func (en *engines) applyTotem(c *confparse.Config) error {
	srp := srpConfig(c)
	if err := srp.Validate(); err != nil {
		return err
	}
	members := transportMembers(c)
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
	en.conf.Store(c)
	return nil
}
