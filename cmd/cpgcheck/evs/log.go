package evs

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// A receiver's log is one line per event:
//
//	P nodeid pid                 the process itself
//	C nodeid:pid nodeid:pid ...  cpg confchg: the group's members
//	D fromnode frompid nodeid pid seq len crc crcgot gotlen
//	B fromnode frompid len       a delivery that is no cpgcheck message
//	S sent                       messages this process sent (at exit)
//	E                            clean exit after the linger time
//	X reason                     lost its daemon (killed node)
//
// D carries the envelope sender (cpg's deliver callback) and the sender
// the message claims, so a misattributed delivery is caught too.

// Proc names a cpg process.
type Proc struct{ NodeID, PID uint32 }

func (p Proc) String() string { return fmt.Sprintf("%d:%d", p.NodeID, p.PID) }

// Delivery is one D (or B, with Bad set) line.
type Delivery struct {
	From, Hdr   Proc
	Seq         uint64
	Len         uint32
	CRC, CRCGot uint32
	GotLen      int
	Bad         bool
	Line        int
}

// Event is a confchg (Members set) or a delivery.
type Event struct {
	Members  []Proc // sorted; nil for a delivery
	Delivery *Delivery
}

// Log is one receiver's parsed log.
type Log struct {
	Name    string
	Self    Proc
	Events  []Event
	Sent    uint64
	HasSent bool
	Clean   bool
	Exit    string
}

// ParseLog reads a log; lines it does not know are an error, so a garbled
// log is never passed as clean.
func ParseLog(name string, r io.Reader) (*Log, error) {
	l := &Log{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		bad := func() error { return fmt.Errorf("%s:%d: bad line %q", name, n, sc.Text()) }
		u := func(s string) uint64 {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				panic(err)
			}
			return v
		}
		var err error
		func() {
			defer func() {
				if recover() != nil {
					err = bad()
				}
			}()
			switch f[0] {
			case "P":
				if len(f) != 3 {
					err = bad()
					return
				}
				l.Self = Proc{uint32(u(f[1])), uint32(u(f[2]))}
			case "C":
				ms := []Proc{}
				for _, s := range f[1:] {
					a, b, ok := strings.Cut(s, ":")
					if !ok {
						panic(s)
					}
					ms = append(ms, Proc{uint32(u(a)), uint32(u(b))})
				}
				slices.SortFunc(ms, cmpProc)
				l.Events = append(l.Events, Event{Members: ms})
			case "D":
				if len(f) != 10 {
					err = bad()
					return
				}
				d := &Delivery{From: Proc{uint32(u(f[1])), uint32(u(f[2]))}, Hdr: Proc{uint32(u(f[3])), uint32(u(f[4]))},
					Seq: u(f[5]), Len: uint32(u(f[6])), CRC: uint32(u(f[7])), CRCGot: uint32(u(f[8])), GotLen: int(u(f[9])), Line: n}
				l.Events = append(l.Events, Event{Delivery: d})
			case "B":
				if len(f) != 4 {
					err = bad()
					return
				}
				d := &Delivery{From: Proc{uint32(u(f[1])), uint32(u(f[2]))}, GotLen: int(u(f[3])), Bad: true, Line: n}
				l.Events = append(l.Events, Event{Delivery: d})
			case "S":
				if len(f) != 2 {
					err = bad()
					return
				}
				l.Sent, l.HasSent = u(f[1]), true
			case "E":
				l.Clean = true
			case "X":
				l.Exit = strings.Join(f[1:], " ")
			default:
				err = bad()
			}
		}()
		if err != nil {
			return nil, err
		}
	}
	return l, sc.Err()
}

func cmpProc(a, b Proc) int {
	if a.NodeID != b.NodeID {
		return int(int64(a.NodeID) - int64(b.NodeID))
	}
	return int(int64(a.PID) - int64(b.PID))
}

// FormatMembers is the C line for a confchg.
func FormatMembers(ms []Proc) string {
	var b strings.Builder
	b.WriteString("C")
	for _, m := range ms {
		fmt.Fprintf(&b, " %d:%d", m.NodeID, m.PID)
	}
	return b.String()
}
