package totemsrp

// Reconfigure takes the timers and constants of a reloaded configuration
// (totem_volatile_config_read's keys) while the node runs. Like C, whose
// totemsrp reads them through its totem_config pointer each time it starts
// a timer, running timers keep their deadlines and the new values apply
// from the next start. What C fixes at initialisation (node id, MTU and the
// queue sized from it, cancel_token_hold_on_retransmit, the heartbeat
// timeout totemsrp_initialize derives) stays as it was. A configuration
// that does not validate is refused and nothing changes.
func (n *Node) Reconfigure(c Config) error {
	next := n.cfg
	next.Token = c.Token
	next.TokenRetransmit = c.TokenRetransmit
	next.Hold = c.Hold
	next.Join = c.Join
	next.SendJoin = c.SendJoin
	next.Consensus = c.Consensus
	next.Merge = c.Merge
	next.Downcheck = c.Downcheck
	next.MaxNetworkDelay = c.MaxNetworkDelay
	next.TokenRetransmitsBeforeLoss = c.TokenRetransmitsBeforeLoss
	next.TokenWarning = c.TokenWarning
	next.FailRecvConst = c.FailRecvConst
	next.SeqnoUnchangedConst = c.SeqnoUnchangedConst
	next.WindowSize = c.WindowSize
	next.MaxMessages = c.MaxMessages
	next.MissCountConst = c.MissCountConst
	next.HeartbeatFailuresAllowed = c.HeartbeatFailuresAllowed
	if err := next.Validate(); err != nil {
		return err
	}
	n.cfg = next
	return nil
}

// Config returns the configuration the node runs with.
func (n *Node) Config() Config { return n.cfg }
