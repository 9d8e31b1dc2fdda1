package ring

import (
	"errors"

	"github.com/gorosync/gorosync/daemon/transport"
	"github.com/gorosync/gorosync/totemsrp"
)

// ErrStopped: the ring's loop has ended.
var ErrStopped = errors.New("ring: stopped")

// Reconfigure is totempg_reconfigure after a config reload: totemsrp takes
// the new timers (totemsrp.Node.Reconfigure) and, when members is not nil,
// the transport the new nodelist. It runs f on the loop through Do, so it
// must not be called from the loop itself (use ReconfigureOnLoop there).
func (r *Ring) Reconfigure(c totemsrp.Config, members []transport.Member) error {
	var err error
	if !r.Do(func(*totemsrp.Node) { err = r.ReconfigureOnLoop(c, members) }) {
		return ErrStopped
	}
	return err
}

// ReconfigureOnLoop is Reconfigure for callers already on the event loop
// (Services callbacks: the cfg engine applies a reload as it delivers the
// RELOAD_CONFIG message). The timers are checked before anything changes,
// so a refused configuration leaves both totemsrp and the transport alone.
func (r *Ring) ReconfigureOnLoop(c totemsrp.Config, members []transport.Member) error {
	if err := r.node.Reconfigure(c); err != nil {
		return err
	}
	if members == nil {
		return nil
	}
	return r.tr.SetMembers(members)
}
