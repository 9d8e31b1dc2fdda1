package ring

import (
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/totemsrp"
)

// logConfig prints the timers as totemsrp_initialize does at debug level,
// so a debug log shows the effective values the way C's does.
func logConfig(log LogFunc, c totemsrp.Config, mtu int) {
	ms := func(d interface{ Milliseconds() int64 }) int64 { return d.Milliseconds() }
	dbg := func(format string, args ...any) { log("TOTEM", logsys.Debug, format, args...) }
	dbg("Token Timeout (%d ms) retransmit timeout (%d ms)", ms(c.Token), ms(c.TokenRetransmit))
	if c.TokenWarning > 0 {
		warn := int64(c.TokenWarning) * ms(c.Token) / 100
		dbg("Token warning every %d ms (%d%% of Token Timeout)", warn, c.TokenWarning)
		if warn < ms(c.TokenRetransmit) {
			dbg("The token warning interval (%d ms) is less than the token retransmit timeout (%d ms) "+
				"which can lead to spurious token warnings. Consider increasing the token_warning parameter.",
				warn, ms(c.TokenRetransmit))
		}
	} else {
		dbg("Token warnings disabled")
	}
	dbg("token hold (%d ms) retransmits before loss (%d retrans)", ms(c.Hold), c.TokenRetransmitsBeforeLoss)
	dbg("join (%d ms) send_join (%d ms) consensus (%d ms) merge (%d ms)", ms(c.Join), ms(c.SendJoin), ms(c.Consensus), ms(c.Merge))
	dbg("downcheck (%d ms) fail to recv const (%d msgs)", ms(c.Downcheck), c.FailRecvConst)
	dbg("seqno unchanged const (%d rotations) Maximum network MTU %d", c.SeqnoUnchangedConst, mtu)
	dbg("window size per rotation (%d messages) maximum messages per rotation (%d messages)", c.WindowSize, c.MaxMessages)
	dbg("missed count const (%d messages)", c.MissCountConst)
	dbg("send threads (%d threads)", 0)
	dbg("heartbeat_failures_allowed (%d)", c.HeartbeatFailuresAllowed)
	dbg("max_network_delay (%d ms)", ms(c.MaxNetworkDelay))
	if c.HeartbeatFailuresAllowed == 0 {
		dbg("HeartBeat is Disabled. To enable set heartbeat_failures_allowed > 0")
	}
}
