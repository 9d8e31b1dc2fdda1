package totemsrp

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// loadUdpuCapture reads the UDP payloads of Debian corosync 3.1.7's udpu
// capture (node 1 = 10.250.77.1, node 2 = 10.250.77.2) keyed by frame number.
func loadUdpuCapture(t *testing.T) map[string][]byte { return loadUdpuCaptureTB(t) }

func loadUdpuCaptureTB(t testing.TB) map[string][]byte {
	t.Helper()
	f, err := os.Open("../wire/testdata/srp_udpu.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 4 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		b, err := hex.DecodeString(fs[3])
		if err != nil {
			t.Fatal(err)
		}
		out[fs[0]] = b
	}
	return out
}

// captureNode1 replays node 2's side of the captured join against a Go node 1
// and collects what node 1 sends towards node 2.
type captureNode1 struct {
	t          *testing.T
	self, peer uint32 // 0 means node 1 facing node 2
	n          *Node
	now        time.Duration
	toPeer     [][]byte
	deliv      []Delivery
	seq        []uint64
}

// pump acts on Ready: frames for node 1 itself loop back (udpu sends
// multicasts to the local node too), frames for node 2 are collected.
func (c *captureNode1) pump() {
	for i := 0; i < 10000 && c.n.HasReady(); i++ {
		rd := c.n.Ready()
		if rd.HasRingSeq {
			c.seq = append(c.seq, rd.RingSeq)
		}
		c.deliv = append(c.deliv, rd.Deliveries...)
		self, peer := c.self, c.peer
		if self == 0 {
			self, peer = 1, 2
		}
		for _, f := range rd.Frames {
			if f.To == 0 || f.To == peer {
				c.toPeer = append(c.toPeer, f.Data)
			}
			if f.To == 0 || f.To == self {
				if err := c.n.Step(f.Data); err != nil {
					c.t.Fatal(err)
				}
			}
		}
	}
}

func (c *captureNode1) step(frame []byte) {
	c.t.Helper()
	if err := c.n.Step(frame); err != nil {
		c.t.Fatal(err)
	}
	c.pump()
}

// expect checks that node 1 sent exactly the captured frames since the last
// call, ignoring target_nodeid (stack garbage on udpu).
func (c *captureNode1) expect(cap map[string][]byte, frames ...string) {
	c.t.Helper()
	if len(c.toPeer) != len(frames) {
		for _, b := range c.toPeer {
			c.t.Logf("sent %s", describeFrame(b))
		}
		c.t.Fatalf("the Go node sent %d frames towards its peer, capture has %d (%v)", len(c.toPeer), len(frames), frames)
	}
	for i, no := range frames {
		want := bytes.Clone(cap[no])
		got := bytes.Clone(c.toPeer[i])
		copy(want[9:13], []byte{0, 0, 0, 0})
		copy(got[9:13], []byte{0, 0, 0, 0})
		if !bytes.Equal(got, want) {
			c.t.Fatalf("frame %s differs\n got %s\n% x\nwant %s\n% x", no, describeFrame(got), got, describeFrame(want), want)
		}
	}
	c.toPeer = nil
}

// TestCaptureJoinOfNode2 reproduces, byte for byte, what C node 1 sent while
// node 2 joined it in udpu.pcap: the singleton JOIN, the JOIN merging node 2,
// the commit token the rep creates, its forward, the first ORF token and the
// recovery rotations, then the configuration changes.
func TestCaptureJoinOfNode2(t *testing.T) {
	cap := loadUdpuCapture(t)
	cfg := Defaults(1, 2)
	n, err := New(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := &captureNode1{t: t, n: n}
	n.Start(0)
	c.pump()
	if !slices.Equal(c.seq, []uint64{5}) || n.State() != StateOperational || n.RingID() != (wire.RingID{Rep: 1, Seq: 5}) {
		t.Fatalf("singleton ring: state %s ring %s persisted %v", n.State(), n.RingID(), c.seq)
	}
	// The singleton ring's JOIN, then the eight service messages of ring 1.5.
	for no := 2; no <= 9; no++ {
		m, err := wire.DecodeMcast(cap[itoa(no)])
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Mcast(m.Payload, m.Guarantee); err != nil {
			t.Fatal(err)
		}
	}
	c.now += time.Millisecond
	n.Tick(c.now)
	n.tokenRetransmitTimeout() // the held token moves again, as hold cancel does
	c.pump()
	// Only compare the JOIN and the MCAST frames: the idle token of a
	// singleton ring goes to node 1 itself.
	var sent [][]byte
	for _, b := range c.toPeer {
		if b[3] == byte(wire.SrpMembJoin) || b[3] == byte(wire.SrpMcast) {
			sent = append(sent, b)
		}
	}
	c.toPeer = sent
	c.expect(cap, "1", "2", "3", "4", "5", "6", "7", "8", "9")

	c.step(cap["12"]) // node 2's singleton JOIN
	c.expect(cap, "13")
	for no := 14; no <= 21; no++ { // node 2's messages on its own ring 2.5: foreign, ignored in GATHER
		c.step(cap[itoa(no)])
	}
	c.now += cfg.Join
	n.Tick(c.now)
	c.pump()
	c.expect(cap, "22")
	c.step(cap["23"]) // node 2 agrees: node 1 is the lowest and creates the commit token
	c.expect(cap, "24")
	if !slices.Equal(c.seq, []uint64{5, 9}) {
		t.Fatalf("persisted ring seqs %v, want [5 9]", c.seq)
	}
	c.step(cap["25"])
	c.expect(cap, "26")
	if n.State() != StateRecovery {
		t.Fatalf("state %s after the commit token came back", n.State())
	}
	c.step(cap["27"])
	c.expect(cap, "28")
	c.deliv = nil
	for _, pair := range [][2]string{{"29", "30"}, {"31", "32"}, {"33", "34"}, {"35", "36"}} {
		c.step(cap[pair[0]])
		c.expect(cap, pair[1])
	}
	if n.State() != StateOperational || n.RingID() != (wire.RingID{Rep: 1, Seq: 9}) {
		t.Fatalf("after recovery: %s on %s", n.State(), n.RingID())
	}
	var confs []string
	for _, d := range c.deliv {
		if d.Kind == DeliverConfChg {
			confs = append(confs, d.ConfChg.Type.String()+" "+d.ConfChg.RingID.String()+" "+fmtIDs(d.ConfChg.Members)+" joined "+fmtIDs(d.ConfChg.Joined))
		}
	}
	want := []string{"TRANSITIONAL 1.9 [1] joined []", "REGULAR 1.9 [1 2] joined [2]"}
	if !slices.Equal(confs, want) {
		t.Fatalf("configuration changes %q, want %q", confs, want)
	}
	// Node 2's first sync message, then node 1 sends its own on the token.
	c.step(cap["37"])
	m, _ := wire.DecodeMcast(cap["39"])
	n.TransAck()
	if err := n.Mcast(m.Payload, m.Guarantee); err != nil {
		t.Fatal(err)
	}
	c.pump()
	c.toPeer = nil
	c.step(cap["38"])
	c.expect(cap, "39", "40")
}

func itoa(i int) string { return strconv.Itoa(i) }

func fmtIDs(ids []uint32) string { return fmt.Sprint(ids) }

// TestCaptureJoinAsNode2 is the other side of udpu.pcap: a Go node 2 fed
// node 1's frames must send what C node 2 sent, as a non-representative:
// its singleton ring, the JOIN merging node 1, its commit-token entry, the
// forwarded commit token, the recovery tokens and its first sync message.
func TestCaptureJoinAsNode2(t *testing.T) {
	cap := loadUdpuCapture(t)
	n, err := New(Defaults(2, 2), 0)
	if err != nil {
		t.Fatal(err)
	}
	c := &captureNode1{t: t, n: n, self: 2, peer: 1}
	n.Start(0)
	c.pump()
	if n.State() != StateOperational || n.RingID() != (wire.RingID{Rep: 2, Seq: 5}) {
		t.Fatalf("singleton ring: state %s ring %s", n.State(), n.RingID())
	}
	for no := 14; no <= 21; no++ {
		m, err := wire.DecodeMcast(cap[itoa(no)])
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Mcast(m.Payload, m.Guarantee); err != nil {
			t.Fatal(err)
		}
	}
	n.tokenRetransmitTimeout()
	c.pump()
	var sent [][]byte
	for _, b := range c.toPeer {
		if b[3] == byte(wire.SrpMembJoin) || b[3] == byte(wire.SrpMcast) {
			sent = append(sent, b)
		}
	}
	c.toPeer = sent
	c.expect(cap, "12", "14", "15", "16", "17", "18", "19", "20", "21")

	c.step(cap["13"]) // node 1's JOIN (1,2): merge, GATHER
	c.expect(cap, "23")
	c.step(cap["22"]) // the same sets: node 2 agrees, node 1 is the rep
	c.expect(cap)
	c.step(cap["24"])
	c.expect(cap, "25")
	c.step(cap["26"])
	c.expect(cap, "27")
	if n.State() != StateRecovery {
		t.Fatalf("state %s", n.State())
	}
	for _, pair := range [][2]string{{"28", "29"}, {"30", "31"}, {"32", "33"}, {"34", "35"}} {
		c.step(cap[pair[0]])
		c.expect(cap, pair[1])
	}
	// Node 2 went OPERATIONAL on token 34; sync then queued its first
	// message, which goes out with the next token.
	if n.State() != StateOperational || n.RingID() != (wire.RingID{Rep: 1, Seq: 9}) {
		t.Fatalf("state %s on %s after the recovery rotations", n.State(), n.RingID())
	}
	m, _ := wire.DecodeMcast(cap["37"])
	if err := n.Mcast(m.Payload, m.Guarantee); err != nil {
		t.Fatal(err)
	}
	c.pump()
	c.step(cap["36"])
	c.expect(cap, "37", "38")
}
