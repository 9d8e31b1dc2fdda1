package totemsrp

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/gorosync/gorosync/wire"
)

// msgID identifies an application message of the simulation: sender nodeid,
// sender incarnation and the sender's counter (the first 12 payload bytes).
type msgID struct{ node, inc, n uint32 }

func (m msgID) String() string { return fmt.Sprintf("m%d.%d.%d", m.node, m.inc, m.n) }

func parseMsg(p []byte) (msgID, bool) {
	if len(p) < 12 {
		return msgID{}, false
	}
	return msgID{binary.LittleEndian.Uint32(p), binary.LittleEndian.Uint32(p[4:]), binary.LittleEndian.Uint32(p[8:])}, true
}

func msgKey(p []byte) string {
	if m, ok := parseMsg(p); ok {
		return m.String()
	}
	return "?"
}

type histEvent struct {
	msg     msgID
	conf    *ConfChg
	inRing  wire.RingID // for messages: last REGULAR ring when delivered
	inTrans bool
}

type nodeHistory struct {
	id, inc     uint32
	events      []histEvent
	lastRegular wire.RingID
	inTrans     bool
	sawRegular  bool
	errs        []string
}

type recorder struct {
	hists   []*nodeHistory
	msgRing map[msgID]wire.RingID // ring a message was first multicast on
}

func newRecorder() *recorder { return &recorder{msgRing: map[msgID]wire.RingID{}} }

func (r *recorder) newHistory(id uint32, inc int) *nodeHistory {
	h := &nodeHistory{id: id, inc: uint32(inc)}
	r.hists = append(r.hists, h)
	return h
}

func (r *recorder) noteMcastSent(frame []byte) {
	m, err := wire.DecodeMcast(frame)
	if err != nil || m.Header.Encapsulated == wire.EncapsulatedMcast {
		return
	}
	if id, ok := parseMsg(m.Payload); ok {
		if _, seen := r.msgRing[id]; !seen {
			r.msgRing[id] = m.RingID
		}
	}
}

func (h *nodeHistory) deliver(r *recorder, from uint32, payload []byte) {
	id, ok := parseMsg(payload)
	if !ok {
		h.errs = append(h.errs, fmt.Sprintf("node %d: undecodable delivery from %d", h.id, from))
		return
	}
	if id.node != from {
		h.errs = append(h.errs, fmt.Sprintf("node %d: %s delivered with originator %d", h.id, id, from))
	}
	if !h.sawRegular {
		h.errs = append(h.errs, fmt.Sprintf("node %d: %s delivered before any configuration", h.id, id))
	}
	h.events = append(h.events, histEvent{msg: id, inRing: h.lastRegular, inTrans: h.inTrans})
}

func (h *nodeHistory) confchg(c ConfChg) {
	h.events = append(h.events, histEvent{conf: &c})
	if c.Type == ConfChgRegular {
		h.lastRegular, h.inTrans, h.sawRegular = c.RingID, false, true
	} else {
		h.inTrans = true
	}
}

// check verifies the extended virtual synchrony properties over all
// histories and returns every violation found.
func (r *recorder) check() []string {
	var errs []string
	add := func(format string, args ...any) {
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	for _, h := range r.hists {
		errs = append(errs, h.errs...)
	}
	regular := map[wire.RingID][]uint32{}
	regularBy := map[wire.RingID]string{}
	type transKey struct {
		ring, prev wire.RingID
	}
	trans := map[transKey][]uint32{}
	transBy := map[transKey]string{}
	type segKey struct {
		ring, next wire.RingID
		trans      string
	}
	segs := map[segKey]map[msgID]bool{}
	segBy := map[segKey]string{}

	for _, h := range r.hists {
		who := fmt.Sprintf("node %d#%d", h.id, h.inc)
		seen := map[msgID]bool{}
		lastFrom := map[[2]uint32]uint32{}
		var cur wire.RingID
		var curMembers []uint32
		var seg map[msgID]bool
		haveReg := false
		for _, e := range h.events {
			if e.conf != nil {
				c := e.conf
				// The first TRANSITIONAL of a process is empty, as in C.
				if (c.Type == ConfChgRegular || haveReg) && !slices.Contains(c.Members, h.id) {
					add("%s: %s configuration %s does not contain itself: %v", who, c.Type, c.RingID, c.Members)
				}
				if c.Type == ConfChgRegular {
					if prev, ok := regular[c.RingID]; ok && !slices.Equal(prev, c.Members) {
						add("%s: REGULAR %s members %v, %s had %v", who, c.RingID, c.Members, regularBy[c.RingID], prev)
					} else if !ok {
						regular[c.RingID], regularBy[c.RingID] = c.Members, who
					}
					cur, curMembers, haveReg = c.RingID, c.Members, true
					seg = map[msgID]bool{}
				} else {
					if haveReg {
						k := transKey{c.RingID, cur}
						if prev, ok := trans[k]; ok && !slices.Equal(prev, c.Members) {
							add("%s: TRANSITIONAL %s (from %s) members %v, %s had %v", who, c.RingID, cur, c.Members, transBy[k], prev)
						} else if !ok {
							trans[k], transBy[k] = c.Members, who
						}
						for _, l := range c.Left {
							if !slices.Contains(curMembers, l) || slices.Contains(c.Members, l) {
								add("%s: TRANSITIONAL %s left %d is not old minus new", who, c.RingID, l)
							}
						}
					}
				}
				continue
			}
			m := e.msg
			if seen[m] {
				add("%s: %s delivered twice", who, m)
			}
			seen[m] = true
			k := [2]uint32{m.node, m.inc}
			if last, ok := lastFrom[k]; ok && m.n <= last {
				add("%s: %s delivered after m%d.%d.%d (sender order broken)", who, m, m.node, m.inc, last)
			}
			lastFrom[k] = m.n
			if ring, ok := r.msgRing[m]; !ok {
				add("%s: %s delivered but never multicast", who, m)
			} else if ring != e.inRing {
				add("%s: %s sent on ring %s delivered in configuration %s (transitional=%v)", who, m, ring, e.inRing, e.inTrans)
			}
			if haveReg && !slices.Contains(curMembers, m.node) {
				add("%s: %s from a non-member of %s %v", who, m, cur, curMembers)
			}
			if seg != nil {
				seg[m] = true
			}
		}
		_ = seg
	}
	// Virtual synchrony: processes that move together from ring R to the same
	// transitional configuration delivered the same messages in R.
	for _, h := range r.hists {
		who := fmt.Sprintf("node %d#%d", h.id, h.inc)
		var cur wire.RingID
		var set map[msgID]bool
		for i, e := range h.events {
			if e.conf == nil {
				if set != nil {
					set[e.msg] = true
				}
				continue
			}
			if e.conf.Type == ConfChgTransitional && set != nil {
				// the transitional part of R's messages follows this event
				for _, f := range h.events[i+1:] {
					if f.conf != nil {
						break
					}
					set[f.msg] = true
				}
				k := segKey{cur, e.conf.RingID, fmt.Sprint(e.conf.Members)}
				if prev, ok := segs[k]; ok {
					if d := diffSets(prev, set); d != "" {
						add("%s: delivered in %s before TRANSITIONAL %s %v differently from %s: %s", who, cur, e.conf.RingID, e.conf.Members, segBy[k], d)
					}
				} else {
					segs[k], segBy[k] = set, who
				}
				set = nil
			}
			if e.conf.Type == ConfChgRegular {
				cur, set = e.conf.RingID, map[msgID]bool{}
			}
		}
	}
	// Agreed order: any two processes deliver their common messages in the
	// same relative order.
	pos := make([]map[msgID]int, len(r.hists))
	for i, h := range r.hists {
		pos[i] = map[msgID]int{}
		for _, e := range h.events {
			if e.conf == nil {
				pos[i][e.msg] = len(pos[i])
			}
		}
	}
	for i, a := range r.hists {
		for j := i + 1; j < len(r.hists); j++ {
			b := r.hists[j]
			last := -1
			var lastMsg msgID
			for _, e := range a.events {
				if e.conf != nil {
					continue
				}
				p, ok := pos[j][e.msg]
				if !ok {
					continue
				}
				if p < last {
					add("order: node %d#%d delivers %s before %s, node %d#%d the other way round", a.id, a.inc, lastMsg, e.msg, b.id, b.inc)
					break
				}
				last, lastMsg = p, e.msg
			}
		}
	}
	return errs
}

func diffSets(a, b map[msgID]bool) string {
	var onlyA, onlyB []string
	for m := range a {
		if !b[m] {
			onlyA = append(onlyA, m.String())
		}
	}
	for m := range b {
		if !a[m] {
			onlyB = append(onlyB, m.String())
		}
	}
	if len(onlyA) == 0 && len(onlyB) == 0 {
		return ""
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	return fmt.Sprintf("only theirs %v, only mine %v", onlyA, onlyB)
}
