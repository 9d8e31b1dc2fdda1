package totempg

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/gorosync/gorosync/wire"
)

// McastHeaderOverhead is what totemsrp_net_mtu_adjust takes off totem.netmtu
// (2 × sizeof(struct mcast)): room for an encapsulated MCAST header.
const McastHeaderOverhead = 2 * wire.McastHeaderSize

// Config of a PG.
type Config struct {
	// NetMTU is C's totem_config->net_mtu after totemsrp_net_mtu_adjust:
	// totem.netmtu − 90, so 1410 for udp/udpu with the default netmtu of 1500
	// (packets of at most 1410 bytes, 1455 on the wire) and 65446 for knet.
	// (The transports' own net_mtu_adjust is never called in 3.1.7.)
	NetMTU int
	Logger *slog.Logger
	// QueueLevelChanged, if set, is told when the queue fill level crosses
	// the thresholds of check_q_level (totem_queue_level_changed).
	QueueLevelChanged func(QueueLevel)
}

// QueueLevel is enum totem_q_level.
type QueueLevel int

const (
	QueueLevelLow QueueLevel = iota + 1
	QueueLevelGood
	QueueLevelHigh
	QueueLevelCritical
)

// DeliverFunc receives a complete message with the group header stripped.
// msg is only valid during the call. swapped: the sender was big-endian.
type DeliverFunc func(nodeid uint32, msg []byte, swapped bool)

// ConfChgFunc receives every configuration change.
type ConfChgFunc func(ConfChg)

// Stats are the totempg counters corosync publishes as stats.pg.*.
type Stats struct {
	MsgQueueAvail uint32 // stats.pg.msg_queue_avail (updated by SendOK, as in C)
	MsgReserved   uint32 // stats.pg.msg_reserved
	Dropped       uint64 // packets dropped as malformed (not in C's stats map)
}

// PG is the totem process group layer.
type PG struct {
	srp       SRP
	netMTU    int
	log       *slog.Logger
	send      *sender
	recv      *receiver
	instances []*Instance
	reserved  int
	sizeLimit int
	stats     Stats
	qlevel    func(QueueLevel)
}

// New makes a PG on top of srp. srp.Avail must already answer: the size limit
// for reservations is derived from the queue size, as in totempg_initialize.
func New(srp SRP, cfg Config) *PG {
	if cfg.NetMTU <= wire.TotempgHeaderSize+24 || cfg.NetMTU > wire.FrameSizeMax {
		panic(fmt.Sprintf("totempg: net_mtu %d out of range", cfg.NetMTU))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pg := &PG{
		srp:      srp,
		netMTU:   cfg.NetMTU,
		log:      log,
		send:     newSender(cfg.NetMTU),
		recv:     newReceiver(log),
		reserved: 1, // totempg_reserved starts at 1: one entry is never handed out
		qlevel:   cfg.QueueLevelChanged,
	}
	pg.sizeLimit = (srp.Avail() - 1) * (cfg.NetMTU - wire.TotempgHeaderSize - 16)
	pg.stats.MsgReserved = uint32(pg.reserved)
	return pg
}

// Instance is one totempg_groups_initialize handle: a handler and the groups
// it joined.
type Instance struct {
	pg      *PG
	deliver DeliverFunc
	confchg ConfChgFunc
	groups  []string
	qlevel  QueueLevel
}

// GroupsInitialize registers a handler (either callback may be nil).
func (pg *PG) GroupsInitialize(deliver DeliverFunc, confchg ConfChgFunc) *Instance {
	in := &Instance{pg: pg, deliver: deliver, confchg: confchg, qlevel: -1}
	pg.instances = append(pg.instances, in)
	return in
}

// Join adds groups to the instance. As in C, joining is local only and
// leaving is not supported.
func (in *Instance) Join(groups ...string) {
	for _, g := range groups {
		if len(g) == 0 || len(g) > 0xffff {
			panic("totempg: bad group name")
		}
	}
	in.groups = append(in.groups, groups...)
}

// McastJoined multicasts the message made of iov to the instance's groups
// (totempg_groups_mcast_joined). ErrTryAgain: no room in the queue.
func (in *Instance) McastJoined(g Guarantee, iov ...[]byte) error {
	return in.pg.McastGroups(g, in.groups, iov...)
}

// McastGroups multicasts the message made of iov to groups
// (totempg_groups_mcast_groups).
func (pg *PG) McastGroups(g Guarantee, groups []string, iov ...[]byte) error {
	if len(groups) == 0 || len(groups) > 32 {
		return fmt.Errorf("totempg: %d groups (1..32 allowed)", len(groups))
	}
	hdr := make([]byte, 0, 2+2*len(groups))
	hdr = wire.AppendGroupHeader(hdr, groups...)[:2+2*len(groups)]
	pieces := make([][]byte, 0, 1+len(groups)+len(iov))
	pieces = append(pieces, hdr)
	total := len(hdr)
	for _, gname := range groups {
		pieces = append(pieces, []byte(gname))
		total += len(gname)
	}
	for _, v := range iov {
		pieces = append(pieces, v)
		total += len(v)
	}
	if total > wire.MessageSizeMax {
		return ErrTooBig
	}
	if !pg.byteCountSendOK(total + 2*pg.send.count) {
		return ErrTryAgain
	}
	return pg.send.mcast(pg.srp, g, pieces)
}

// perPacket is what C assumes one queue entry carries when it converts bytes
// into queue entries.
func (pg *PG) perPacket() int { return pg.netMTU - wire.TotempgHeaderSize - 16 }

func (pg *PG) byteCountSendOK(n int) bool {
	return pg.srp.Avail() >= n/pg.perPacket()+1
}

// SendOK is totempg_groups_send_ok_groups. C passes the message size where a
// message count is expected; we keep that, since it decides when C clients
// see TRY_AGAIN.
func (pg *PG) SendOK(groups []string, iov ...[]byte) bool {
	size := 0
	for _, g := range groups {
		size += len(g)
	}
	for _, v := range iov {
		size += len(v)
	}
	avail := pg.srp.Avail()
	pg.stats.MsgQueueAvail = uint32(avail)
	return avail-pg.reserved > size
}

// JoinedReserve reserves queue room for a message of these pieces
// (totempg_groups_joined_reserve): n > 0 entries reserved, 0 = try again,
// ErrTooBig = never. Release with JoinedRelease(n).
func (in *Instance) JoinedReserve(iov ...[]byte) (int, error) {
	pg := in.pg
	size := 0
	for _, g := range in.groups {
		size += len(g)
	}
	for _, v := range iov {
		size += len(v)
	}
	defer in.checkQLevel()
	if size >= pg.sizeLimit {
		return 0, ErrTooBig
	}
	if !pg.byteCountSendOK(size) {
		return 0, nil
	}
	n := size/pg.perPacket() + 1
	pg.reserved += n
	pg.stats.MsgReserved = uint32(pg.reserved)
	return n, nil
}

// JoinedRelease gives back entries from JoinedReserve.
func (pg *PG) JoinedRelease(n int) {
	pg.reserved -= n
	pg.stats.MsgReserved = uint32(pg.reserved)
}

// messageQueueMax is MESSAGE_QUEUE_MAX with the 1 MiB message size.
func (pg *PG) messageQueueMax() int { return 4 * wire.MessageSizeMax / pg.netMTU }

// PercentUsed is q_level_precent_used.
func (pg *PG) PercentUsed() int {
	return 100 - ((pg.srp.Avail()-pg.reserved)*100)/pg.messageQueueMax()
}

func (in *Instance) checkQLevel() {
	old := in.qlevel
	p := in.pg.PercentUsed()
	switch {
	case p >= 75 && in.qlevel != QueueLevelCritical:
		in.qlevel = QueueLevelCritical
	case p < 30 && in.qlevel != QueueLevelLow:
		in.qlevel = QueueLevelLow
	case p > 40 && p < 50 && in.qlevel != QueueLevelGood:
		in.qlevel = QueueLevelGood
	case p > 60 && p < 70 && in.qlevel != QueueLevelHigh:
		in.qlevel = QueueLevelHigh
	}
	if in.pg.qlevel != nil && old != in.qlevel {
		in.pg.qlevel(in.qlevel)
	}
}

// CheckQLevel is totempg_check_q_level.
func (in *Instance) CheckQLevel() { in.checkQLevel() }

// TokenReceived is the TOTEM_CALLBACK_TOKEN_RECEIVED hook: it flushes the
// staging buffer. The daemon calls it whenever totemsrp takes the token.
func (pg *PG) TokenReceived() error { return pg.send.flush(pg.srp) }

// Pending is the number of staged bytes waiting for TokenReceived.
func (pg *PG) Pending() int { return pg.send.pending() }

// Deliver is fed every MCAST payload totemsrp delivers, in agreed order.
func (pg *PG) Deliver(nodeid uint32, packet []byte, swapped bool) {
	pg.recv.deliver(nodeid, packet, swapped, func(nodeid uint32, msg []byte) {
		gm, err := wire.DecodeGroupMessage(msg, swapped)
		if err != nil {
			pg.stats.Dropped++
			pg.log.Warn("totempg: dropping message with bad group header", "nodeid", nodeid, "len", len(msg), "err", err)
			return
		}
		for _, in := range pg.instances {
			if in.deliver != nil && gm.InGroups(in.groups...) {
				in.deliver(nodeid, gm.Payload, swapped)
			}
		}
	})
}

// ConfChg is fed every configuration change. Assembly state of nodes that
// left is dropped before the handlers hear of the change.
func (pg *PG) ConfChg(c ConfChg) {
	for _, n := range c.Left {
		pg.recv.forget(n)
	}
	for _, in := range pg.instances {
		if in.confchg != nil {
			in.confchg(c)
		}
	}
}

// WaitingTransAck switches reassembly between the normal and the
// transitional assembly sets (totempg_waiting_trans_ack_cb); totemsrp raises
// it when it enters OPERATIONAL and lowers it on the trans ack sync sends.
func (pg *PG) WaitingTransAck(waiting bool) {
	pg.log.Debug(fmt.Sprintf("waiting_trans_ack changed to %d", b2i(waiting)))
	pg.recv.useTrans = waiting
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Stats returns the counters.
func (pg *PG) Stats() Stats {
	s := pg.stats
	s.Dropped += pg.recv.dropped
	return s
}
