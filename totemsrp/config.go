package totemsrp

import (
	"errors"
	"fmt"
	"time"
)

// Config holds every timer and constant totemsrp uses. The daemon fills it
// from corosync.conf's effective runtime.config.totem.* values; Defaults gives
// what exec/totemconfig.c computes when nothing is configured.
type Config struct {
	NodeID uint32 // this processor; never 0

	Token                       time.Duration // totem.token (already including token_coefficient)
	TokenRetransmit             time.Duration // totem.token_retransmit
	Hold                        time.Duration // totem.hold
	Join                        time.Duration // totem.join
	SendJoin                    time.Duration // totem.send_join: each JOIN waits a random time below it
	Consensus                   time.Duration // totem.consensus
	Merge                       time.Duration // totem.merge
	Downcheck                   time.Duration // totem.downcheck (used by the transport, carried here for completeness)
	MaxNetworkDelay             time.Duration // totem.max_network_delay (heartbeat only)
	TokenRetransmitsBeforeLoss  uint32        // totem.token_retransmits_before_loss_const
	TokenWarning                uint32        // totem.token_warning, percent of Token; 0 disables
	FailRecvConst               uint32        // totem.fail_recv_const, rotations
	SeqnoUnchangedConst         uint32        // totem.seqno_unchanged_const, rotations
	WindowSize                  uint32        // totem.window_size
	MaxMessages                 uint32        // totem.max_messages
	MissCountConst              uint32        // totem.miss_count_const
	HeartbeatFailuresAllowed    uint32        // totem.heartbeat_failures_allowed; 0 = heartbeat off
	CancelTokenHoldOnRetransmit bool          // totem.cancel_token_hold_on_retransmit

	// NetMTU is totem.netmtu (1500 for udp/udpu). The totem payload MTU is
	// NetMTU-90 (totemsrp_net_mtu_adjust) and sizes the send queue.
	NetMTU int

	// Debug enables the debug and trace log lines (logging { debug: on }).
	// They are not even formatted otherwise: the token path logs a lot.
	Debug bool

	// MessageQueueMax is the capacity of the new-message queue. 0 means C's
	// MESSAGE_QUEUE_MAX, (4*MESSAGE_SIZE_MAX)/(NetMTU-90).
	MessageQueueMax int

	// SkipOwnCopy: the node's MCASTs need not come back to it, since it
	// keeps them (Frame.Kept asks the transport to leave it out). C
	// receives its own copy and discards it as a duplicate; such a copy
	// is counted in stats.srp.mcast_rx when sent instead.
	SkipOwnCopy bool
}

// Constants from totemconfig.c / totem.h.
const (
	DefaultTokenCoefficient = 650 * time.Millisecond
	MessageSizeMax          = 1024 * 1024 // MESSAGE_SIZE_MAX
	netMTUAdjust            = 90          // 2 * sizeof(struct mcast)
	hz                      = 100         // HZ used by totemconfig's hold formula
)

// Defaults returns C's defaults for nodeid on a nodelist of nodeCount nodes,
// with netmtu 1500 (udp/udpu; set NetMTU for knet).
func Defaults(nodeID uint32, nodeCount int) Config {
	token := 3000 * time.Millisecond
	if nodeCount > 2 {
		token += time.Duration(nodeCount-2) * DefaultTokenCoefficient
	}
	c := Config{
		NodeID:                     nodeID,
		Token:                      token,
		Join:                       50 * time.Millisecond,
		Merge:                      200 * time.Millisecond,
		Downcheck:                  1000 * time.Millisecond,
		MaxNetworkDelay:            50 * time.Millisecond,
		TokenRetransmitsBeforeLoss: 4,
		TokenWarning:               75,
		FailRecvConst:              2500,
		SeqnoUnchangedConst:        30,
		WindowSize:                 50,
		MaxMessages:                17,
		MissCountConst:             5,
		NetMTU:                     1500,
	}
	c.DeriveTimeouts()
	return c
}

// DeriveTimeouts fills TokenRetransmit, Hold and Consensus from Token the way
// totem_volatile_config_read does when they are not configured. Call it after
// changing Token if those three keys are absent from the config.
func (c *Config) DeriveTimeouts() {
	tokMS := c.Token.Milliseconds()
	retr := int64(float64(tokMS) / (float64(c.TokenRetransmitsBeforeLoss) + 0.2))
	c.TokenRetransmit = time.Duration(retr) * time.Millisecond
	c.Hold = time.Duration(int64(float64(retr)*0.8-1000/hz)) * time.Millisecond
	c.Consensus = time.Duration(int64(float32(1.2*float64(tokMS)))) * time.Millisecond
}

func (c *Config) messageQueueMax() int {
	if c.MessageQueueMax > 0 {
		return c.MessageQueueMax
	}
	mtu := c.NetMTU - netMTUAdjust
	if mtu <= 0 {
		mtu = 1500 - netMTUAdjust
	}
	return 4 * MessageSizeMax / mtu
}

// Validate refuses values the state machine cannot run with.
func (c *Config) Validate() error {
	var errs []error
	if c.NodeID == 0 {
		errs = append(errs, errors.New("nodeid 0 is invalid"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"token", c.Token}, {"token_retransmit", c.TokenRetransmit}, {"hold", c.Hold}, {"join", c.Join},
		{"consensus", c.Consensus}, {"merge", c.Merge}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, is %v", d.name, d.v))
		}
	}
	if c.WindowSize == 0 || c.MaxMessages == 0 {
		errs = append(errs, errors.New("window_size and max_messages must be positive"))
	}
	if c.TokenWarning > 100 {
		errs = append(errs, fmt.Errorf("token_warning %d%% must be between 0 and 100", c.TokenWarning))
	}
	if int(c.WindowSize)+int(c.MaxMessages) >= queueRtrItemsSizeMax {
		errs = append(errs, errors.New("window_size too large for the retransmit queue"))
	}
	return errors.Join(errs...)
}
