package evs

import (
	"fmt"
	"slices"
	"strings"
)

// Violation kinds.
const (
	Corrupt    = "corrupt"
	Duplicate  = "duplicate"
	Reordered  = "reordered"
	Lost       = "lost"
	Divergent  = "divergent"
	OrderDiff  = "order"
	NonMember  = "non-member"
	Unviewed   = "outside-configuration"
	MaxReports = 50 // per kind, so a broken run gives a readable report
)

// Violation is one broken guarantee.
type Violation struct {
	Kind, Text string
}

func (v Violation) String() string { return v.Kind + ": " + v.Text }

// Report is the verifier's outcome and the counts the test prints.
type Report struct {
	Violations []Violation
	Counts     map[string]int // kind -> number (reports are capped, counts not)
	Delivered  map[string]int // receiver log -> deliveries
	Sent       map[string]uint64
	Configs    int // distinct configurations over all logs
	Views      int // configurations installed, summed over receivers
}

func (r *Report) add(kind, format string, args ...any) {
	r.Counts[kind]++
	if r.Counts[kind] <= MaxReports {
		r.Violations = append(r.Violations, Violation{kind, fmt.Sprintf(format, args...)})
	}
}

// Total is the number of violations found.
func (r *Report) Total() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n
}

type view struct {
	key     string
	members []Proc
	msgs    []*Delivery
	next    string // key of the following view; "" when the log ends in it
}

type msgID struct {
	p   Proc
	seq uint64
}

// Verify checks a run's logs, one per cpgcheck process:
//
//   - per receiver: every delivery intact (CRC, length, claimed sender),
//     no sender's message twice, each sender's messages in increasing order,
//     from a member of the current configuration, and no gap in a sender's
//     sequence while sender and receiver stayed in one configuration after
//     another (nothing lost between survivors); a receiver that exited
//     cleanly got every message that the members of its last configuration
//     said they sent;
//   - across receivers, per configuration (cpg confchg boundaries): members
//     that went on to the same next configuration delivered identical
//     sequences, and any two members delivered their common messages in
//     the same order.
func Verify(logs []*Log) *Report {
	r := &Report{Counts: map[string]int{}, Delivered: map[string]int{}, Sent: map[string]uint64{}}
	sent := map[Proc]uint64{}
	for _, l := range logs {
		if l.HasSent {
			sent[l.Self] = l.Sent
			r.Sent[l.Name] = l.Sent
		}
	}
	byKey := map[string][]*view{}
	owner := map[*view]*Log{}
	for _, l := range logs {
		vs := checkReceiver(r, l, sent)
		r.Views += len(vs)
		for _, v := range vs {
			byKey[v.key] = append(byKey[v.key], v)
			owner[v] = l
		}
	}
	r.Configs = len(byKey)
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := byKey[k]
		for i := range vs {
			for j := i + 1; j < len(vs); j++ {
				compare(r, k, owner[vs[i]], vs[i], owner[vs[j]], vs[j])
			}
		}
	}
	return r
}

func checkReceiver(r *Report, l *Log, sent map[Proc]uint64) []*view {
	var vs []*view
	r.Delivered[l.Name] += 0
	var cur *view
	seen := map[msgID]bool{}
	last := map[Proc]uint64{}
	tracked := map[Proc]bool{}
	occur := map[string]int{}
	for _, e := range l.Events {
		if e.Members != nil {
			ms := FormatMembers(e.Members)
			occur[ms]++
			key := fmt.Sprintf("%s#%d", ms, occur[ms])
			if cur != nil {
				cur.next = key
			}
			cur = &view{key: key, members: e.Members}
			vs = append(vs, cur)
			for p := range tracked {
				if !slices.Contains(e.Members, p) {
					delete(tracked, p)
				}
			}
			continue
		}
		d := e.Delivery
		r.Delivered[l.Name]++
		if cur == nil {
			r.add(Unviewed, "%s line %d: delivery from %v before the first confchg", l.Name, d.Line, d.From)
			continue
		}
		if d.Bad {
			r.add(Corrupt, "%s line %d: %d bytes from %v are no cpgcheck message", l.Name, d.Line, d.GotLen, d.From)
			continue
		}
		cur.msgs = append(cur.msgs, d)
		switch {
		case d.CRC != d.CRCGot:
			r.add(Corrupt, "%s line %d: %v seq %d: crc %08x, payload has %08x", l.Name, d.Line, d.Hdr, d.Seq, d.CRC, d.CRCGot)
		case int(d.Len) != d.GotLen:
			r.add(Corrupt, "%s line %d: %v seq %d: length %d, payload has %d", l.Name, d.Line, d.Hdr, d.Seq, d.Len, d.GotLen)
		case d.From != d.Hdr:
			r.add(Corrupt, "%s line %d: delivered as from %v, message says %v seq %d", l.Name, d.Line, d.From, d.Hdr, d.Seq)
		}
		if !slices.Contains(cur.members, d.From) {
			r.add(NonMember, "%s line %d: %v seq %d delivered in %s, which lacks it", l.Name, d.Line, d.From, d.Seq, cur.key)
		}
		id := msgID{d.Hdr, d.Seq}
		prev, had := last[d.Hdr]
		switch {
		case seen[id]:
			r.add(Duplicate, "%s line %d: %v seq %d delivered again", l.Name, d.Line, d.Hdr, d.Seq)
			continue
		case had && d.Seq < prev:
			r.add(Reordered, "%s line %d: %v seq %d delivered after seq %d", l.Name, d.Line, d.Hdr, d.Seq, prev)
		case tracked[d.Hdr] && d.Seq > prev+1:
			r.add(Lost, "%s line %d: %v seq %d..%d never delivered, though sender and receiver stayed together", l.Name, d.Line, d.Hdr, prev+1, d.Seq-1)
		}
		seen[id] = true
		if d.Seq > prev || !had {
			last[d.Hdr] = d.Seq
		}
		if slices.Contains(cur.members, d.Hdr) {
			tracked[d.Hdr] = true
		}
	}
	if l.Clean && cur != nil {
		for _, p := range cur.members {
			// Another member of our first view that we never heard from
			// may have sent everything before our join reached the ring (a
			// checker started late on a loaded machine): nothing of it is
			// owed. We owe ourselves all we sent, and so does one we heard
			// from or one that joined after us.
			if p != l.Self && !tracked[p] && slices.Contains(vs[0].members, p) {
				continue
			}
			if n, ok := sent[p]; ok && last[p] != n {
				r.add(Lost, "%s: exited cleanly with %v's last seq %d delivered, %v sent %d", l.Name, p, last[p], p, n)
			}
		}
	}
	return vs
}

// compare checks two receivers' deliveries in one configuration.
func compare(r *Report, key string, la *Log, a *view, lb *Log, b *view) {
	// Duplicates are reported per receiver; here only first deliveries count.
	ids := func(v *view) []msgID {
		var out []msgID
		seen := map[msgID]bool{}
		for _, d := range v.msgs {
			id := msgID{d.Hdr, d.Seq}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return out
	}
	ia, ib := ids(a), ids(b)
	if a.next != "" && a.next == b.next {
		if !slices.Equal(ia, ib) {
			r.add(Divergent, "%s and %s, both from %s to %s: %d and %d deliveries, first difference at %d", la.Name, lb.Name, key, a.next, len(ia), len(ib), firstDiff(ia, ib))
		}
		return
	}
	inB := map[msgID]bool{}
	for _, id := range ib {
		inB[id] = true
	}
	inA := map[msgID]bool{}
	var ca, cb []msgID
	for _, id := range ia {
		inA[id] = true
		if inB[id] {
			ca = append(ca, id)
		}
	}
	for _, id := range ib {
		if inA[id] {
			cb = append(cb, id)
		}
	}
	if !slices.Equal(ca, cb) {
		i := firstDiff(ca, cb)
		r.add(OrderDiff, "%s and %s in %s: common messages in different orders from #%d (%v seq %d vs %v seq %d)", la.Name, lb.Name, key, i, ca[i].p, ca[i].seq, cb[i].p, cb[i].seq)
	}
}

func firstDiff(a, b []msgID) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Summary is a one-line account for test logs.
func (r *Report) Summary() string {
	var b strings.Builder
	total := 0
	for _, n := range r.Delivered {
		total += n
	}
	fmt.Fprintf(&b, "%d violations, %d deliveries over %d logs, %d configurations (%d installs)", r.Total(), total, len(r.Delivered), r.Configs, r.Views)
	return b.String()
}
