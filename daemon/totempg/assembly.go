package totempg

import (
	"log/slog"

	"github.com/gorosync/gorosync/wire"
)

// assemblyMax is sizeof(assembly->data) in C: one message plus one frame. C
// asserts when a sender overruns it; we drop that sender's assembly instead.
const assemblyMax = wire.MessageSizeMax + wire.FrameSizeMax

// assembly is one sender's reassembly buffer (struct assembly). It mirrors
// C's index arithmetic byte for byte, including what the throw-away paths
// leave in the buffer, so a Go node delivers exactly what a C node delivers.
type assembly struct {
	data        []byte // bytes beyond what was written read as zero
	index       int
	lastFragNum uint8
	throwAway   bool
}

func (a *assembly) grow(n int) {
	if n > len(a.data) {
		if n > cap(a.data) {
			nd := make([]byte, n, max(n, 2*cap(a.data)))
			copy(nd, a.data)
			a.data = nd
		} else {
			a.data = a.data[:n]
		}
	}
}

// receiver is totempg_deliver_fn's state: one assembly per sender, in two
// sets: the normal one and the one used while totemsrp waits for the trans
// ack (sync in progress), so a message half-assembled before a membership
// change does not mix with messages of the new ring.
type receiver struct {
	normal, trans map[uint32]*assembly
	useTrans      bool
	log           *slog.Logger
	dropped       uint64 // packets dropped as malformed or oversized
	stale         []*assembly
}

func newReceiver(log *slog.Logger) *receiver {
	return &receiver{normal: map[uint32]*assembly{}, trans: map[uint32]*assembly{}, log: log}
}

func (r *receiver) active() map[uint32]*assembly {
	if r.useTrans {
		return r.trans
	}
	return r.normal
}

func (r *receiver) ref(nodeid uint32) *assembly {
	set := r.active()
	if a, ok := set[nodeid]; ok {
		return a
	}
	var a *assembly
	if n := len(r.stale); n > 0 { // reuse buffers as C's free list does
		a, r.stale = r.stale[n-1], r.stale[:n-1]
		*a = assembly{data: a.data[:0]}
	} else {
		a = &assembly{}
	}
	set[nodeid] = a
	return a
}

func (r *receiver) deref(nodeid uint32) {
	set := r.active()
	if a, ok := set[nodeid]; ok {
		delete(set, nodeid)
		if cap(a.data) <= 64*1024 {
			r.stale = append(r.stale, a)
		}
	}
}

// forget drops both assemblies of a node that left the membership.
func (r *receiver) forget(nodeid uint32) {
	delete(r.normal, nodeid)
	delete(r.trans, nodeid)
}

// deliver handles one totempg packet from nodeid and calls out for every
// complete message. msg is only valid during the call.
func (r *receiver) deliver(nodeid uint32, packet []byte, swapped bool, out func(nodeid uint32, msg []byte)) {
	p, err := wire.DecodeTotempgPacket(packet, swapped)
	if err != nil {
		r.dropped++
		r.log.Warn("Message (totempg_mcast) received from node is malformed... Ignoring.",
			"nodeid", nodeid, "len", len(packet), "err", err)
		return
	}
	a := r.ref(nodeid)
	if len(p.Chunks) == 0 {
		// Whatever C makes of the missing msg_lens[0], a packet that is not
		// fragmented ends with the assembly released.
		r.deref(nodeid)
		return
	}
	lens := make([]int, len(p.Chunks))
	total := 0
	for i, c := range p.Chunks {
		lens[i] = len(c)
		total += len(c)
	}
	if a.index+total >= assemblyMax {
		r.dropped++
		r.log.Warn("totempg: assembly overrun, dropping partial message", "nodeid", nodeid, "bytes", a.index+total)
		r.deref(nodeid)
		return
	}
	a.grow(a.index + total)
	off := a.index
	for _, c := range p.Chunks {
		off += copy(a.data[off:], c)
	}

	msgCount := len(lens)
	if p.Fragmented != 0 {
		msgCount--
	}
	if a.throwAway {
		// C leaves throw-away mode on fragment ids 0 and 1 only, and
		// delivers nothing from that packet either.
		if p.Fragmented == 0 || p.Fragmented == 1 {
			a.throwAway = false
			a.index += lens[0]
		}
	} else if p.Continuation == a.lastFragNum {
		a.lastFragNum = p.Fragmented
		base, n := 0, a.index+lens[0]
		for i := 0; i < msgCount; i++ {
			out(nodeid, a.data[base:base+n:base+n])
			a.index += lens[i]
			base = a.index
			if i < msgCount-1 {
				n = lens[i+1]
			}
		}
	} else {
		r.log.Debug("fragmented continuation is not equal to assembly last_frag_num",
			"nodeid", nodeid, "continuation", p.Continuation, "last_frag_num", a.lastFragNum)
		a.throwAway = true
	}

	if p.Fragmented == 0 {
		r.deref(nodeid)
		return
	}
	last := lens[msgCount]
	if len(lens) > 1 {
		a.grow(a.index + last)
		copy(a.data, a.data[a.index:a.index+last])
		a.index = 0
	}
	a.index += last
	a.grow(a.index)
}
