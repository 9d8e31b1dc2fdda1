package totemsrp

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

func TestDefaultsMatchTotemconfig(t *testing.T) {
	c := Defaults(1, 2)
	if c.Token != 3000*time.Millisecond || c.TokenRetransmit != 714*time.Millisecond ||
		c.Hold != 561*time.Millisecond || c.Consensus != 3600*time.Millisecond ||
		c.Join != 50*time.Millisecond || c.Merge != 200*time.Millisecond || c.WindowSize != 50 ||
		c.MaxMessages != 17 || c.FailRecvConst != 2500 || c.SeqnoUnchangedConst != 30 || c.MissCountConst != 5 {
		t.Fatalf("2-node defaults: %+v", c)
	}
	c3 := Defaults(1, 3)
	if c3.Token != 3650*time.Millisecond || c3.Consensus != 4380*time.Millisecond {
		t.Fatalf("3-node token %v consensus %v", c3.Token, c3.Consensus)
	}
	if c.messageQueueMax() != 4*1024*1024/1410 {
		t.Fatalf("queue max %d", c.messageQueueMax())
	}
	bad := c
	bad.NodeID = 0
	if bad.Validate() == nil {
		t.Fatal("nodeid 0 accepted")
	}
}

func TestRingSeqFile(t *testing.T) {
	b := EncodeRingSeq(0x34)
	if !bytes.Equal(b, []byte{0x34, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("% x", b)
	}
	if s, ok := DecodeRingSeq(b); !ok || s != 0x34 {
		t.Fatalf("%d %v", s, ok)
	}
	if _, ok := DecodeRingSeq(b[:7]); ok {
		t.Fatal("short file accepted")
	}
	if StartRingSeq(0x34) != 0x35 || RingIDFileName(2) != "ringid_2" {
		t.Fatal("start rule or file name")
	}
	n, err := New(Defaults(7, 2), 0x34)
	if err != nil {
		t.Fatal(err)
	}
	if n.RingID() != (wire.RingID{Rep: 7, Seq: 0x35}) {
		t.Fatalf("first ring id %s", n.RingID())
	}
}

// pair forms a two-node ring over a lossless in-memory network.
func pair(t testing.TB) *simNet {
	t.Helper()
	s := newSimNet(1, []uint32{1, 2}, func(id uint32) Config { return Defaults(id, 2) })
	s.start(1)
	s.start(2)
	s.runUntil(time.Second)
	for _, id := range []uint32{1, 2} {
		if n := s.nodes[id].node; n.State() != StateOperational || len(n.Members()) != 2 {
			t.Fatalf("node %d: %s %v", id, n.State(), n.Members())
		}
	}
	return s
}

func TestMcastQueueFull(t *testing.T) {
	c := Defaults(1, 1)
	c.MessageQueueMax = 4
	n, _ := New(c, 0)
	n.Start(0)
	for i := 0; i < 3; i++ {
		if err := n.Mcast([]byte{1}, 0); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := n.Mcast([]byte{1}, 0); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("4th message: %v", err)
	}
	if n.Avail() != 0 {
		t.Fatalf("avail %d", n.Avail())
	}
	if err := n.Mcast(make([]byte, 1500), 0); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
}

func TestLeaveMessage(t *testing.T) {
	s := pair(t)
	n2 := s.nodes[2].node
	n2.Leave()
	rd := n2.Ready()
	if len(rd.Frames) != 1 {
		t.Fatalf("%d frames", len(rd.Frames))
	}
	j, err := wire.DecodeMembJoin(rd.Frames[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	// As captured (udpu2 frame 155): nodeid 0, from 2, proc (1), failed (2).
	if j.Header.NodeID != 0 || j.SystemFrom != 2 || !slices.Equal(j.ProcList, []uint32{1}) || !slices.Equal(j.FailedList, []uint32{2}) {
		t.Fatalf("leave %+v", j)
	}
	s.send(2, rd.Frames[0])
	s.nodes[2].up = false
	s.runUntil(s.now + time.Second)
	n1 := s.nodes[1].node
	if n1.State() != StateOperational || !slices.Equal(n1.Members(), []uint32{1}) {
		t.Fatalf("node 1 after the leave: %s %v", n1.State(), n1.Members())
	}
}

func TestTokenLossLogsAndFormsNewRing(t *testing.T) {
	s := pair(t)
	s.crash(2)
	n1 := s.nodes[1].node
	s.runUntil(10 * time.Second)
	if n1.State() != StateOperational || !slices.Equal(n1.Members(), []uint32{1}) {
		t.Fatalf("node 1: %s %v", n1.State(), n1.Members())
	}
	st := n1.Stats()
	if st.OperationalTokenLost != 1 || st.GatherEntered < 1 || st.CommitEntered < 2 {
		t.Fatalf("stats %+v", st.Map())
	}
}

func TestTokenLossWording(t *testing.T) {
	s := pair(t)
	s.crash(2)
	n1 := s.nodes[1].node
	var texts []string
	for i := 0; i < 100; i++ {
		d, ok := n1.NextDeadline()
		if !ok {
			break
		}
		n1.Tick(d)
		for _, l := range n1.Ready().Logs {
			texts = append(texts, l.Text)
		}
		if n1.State() == StateGather {
			break
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{
		"Token has not been received in 2250 ms ",
		"A processor failed, forming new configuration: token timed out (3000ms), waiting 3600ms for consensus.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing log %q in\n%s", want, all)
		}
	}
}

func TestIdleRingHoldsTokenAndSendsMergeDetect(t *testing.T) {
	s := pair(t)
	s.runUntil(s.now + 2*time.Second) // 30 idle rotations, then the hold
	tok, md := s.sent[1][wire.SrpOrfToken], s.sent[1][wire.SrpMergeDetect]
	s.runUntil(s.now + 5*time.Second)
	// Held token: re-sent every `hold` (561 ms) instead of spinning, and a
	// merge detect `merge` (200 ms) after each held token: one per 561 ms,
	// as in udpu.pcap (not one per 200 ms).
	if d := s.sent[1][wire.SrpOrfToken] - tok; d < 7 || d > 10 {
		t.Fatalf("rep sent %d tokens in 5 s on an idle ring", d)
	}
	if d := s.sent[1][wire.SrpMergeDetect] - md; d < 7 || d > 10 {
		t.Fatalf("rep sent %d merge detects in 5 s", d)
	}
	// A message from the non-rep cancels the hold at once.
	s.mcast(2)
	if st := s.nodes[2].node.Stats(); st.TokenHoldCancelTx == 0 {
		t.Fatal("no TOKEN_HOLD_CANCEL sent")
	}
	s.runUntil(s.now + 50*time.Millisecond)
	got := 0
	for _, e := range s.nodes[1].hist.events {
		if e.conf == nil {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("node 1 delivered %d messages within 50 ms of the hold cancel", got)
	}
}

func TestFailedToReceiveFormsSingleton(t *testing.T) {
	c := func(id uint32) Config {
		cfg := Defaults(id, 2)
		cfg.FailRecvConst = 20
		return cfg
	}
	s := newSimNet(1, []uint32{1, 2}, c)
	s.start(1)
	s.start(2)
	s.runUntil(time.Second)
	// Node 2 stops receiving node 1's multicasts but still gets the token.
	s.mcastFilter = func(from, to uint32) bool { return !(from == 1 && to == 2) }
	for i := 0; i < 5; i++ {
		s.mcast(1)
	}
	s.runUntil(s.now + 3*time.Second)
	n2 := s.nodes[2].node
	if n2.Stats().GatherEntered < 2 {
		t.Fatalf("node 2 never left the ring: %s %v", n2.State(), n2.Members())
	}
	found := false
	for _, e := range s.nodes[2].hist.events {
		if e.conf != nil && e.conf.Type == ConfChgRegular && slices.Equal(e.conf.Members, []uint32{2}) {
			found = true
		}
	}
	if !found {
		t.Fatal("node 2 did not form a singleton ring after FAILED TO RECEIVE")
	}
}

func TestTokenHooks(t *testing.T) {
	s := pair(t)
	n := s.nodes[2].node
	var order []string
	n.TokenReceived = func() {
		order = append(order, "received")
		// totempg flushes its packing buffer here: the message must go
		// out with this very token.
		if len(order) == 1 {
			_ = n.Mcast([]byte("from-the-callback"), 0)
		}
	}
	n.TokenSent = func() { order = append(order, "sent") }
	s.mcast(1) // wakes the ring up
	s.runUntil(s.now + 20*time.Millisecond)
	if len(order) < 2 || order[0] != "received" || order[1] != "sent" {
		t.Fatalf("hook order %v", order)
	}
	if s.sent[2][wire.SrpMcast] == 0 {
		t.Fatal("the message queued from TokenReceived was not sent")
	}
}

func TestSendJoinDelaysJoins(t *testing.T) {
	c := Defaults(1, 2)
	c.SendJoin = 40 * time.Millisecond
	n, _ := New(c, 0)
	n.Start(0)
	if rd := n.Ready(); len(rd.Frames) != 0 {
		t.Fatalf("JOIN sent at once with send_join: %d frames", len(rd.Frames))
	}
	d, ok := n.NextDeadline()
	if !ok || d >= 40*time.Millisecond {
		t.Fatalf("send_join deadline %v %v", d, ok)
	}
	n.Tick(d)
	rd := n.Ready()
	if len(rd.Frames) != 1 || rd.Frames[0].Type != wire.SrpMembJoin {
		t.Fatalf("after the delay: %+v", rd.Frames)
	}
}

// A node with SkipOwnCopy (odd ids in the simulation) never gets its
// MCASTs back but counts them in mcast_rx as it sends them, so on a ring
// without loss every member counts every MCAST once, as C's members do
// (stats.srp.mcast_rx is compared between C and Go nodes).
func TestSkipOwnCopyCountsMcastRx(t *testing.T) {
	s := newSimNet(7, []uint32{1, 2, 3}, func(id uint32) Config { return Defaults(id, 3) })
	for _, id := range s.ids {
		s.start(id)
	}
	s.runUntil(2 * time.Second)
	for i := 0; i < 40; i++ {
		s.mcast(uint32(i%3 + 1))
		s.runUntil(2*time.Second + time.Duration(i+1)*10*time.Millisecond)
	}
	s.runUntil(4 * time.Second)
	rx := map[uint32]uint64{}
	for _, id := range s.ids {
		rx[id] = s.nodes[id].node.Stats().McastRx
	}
	if rx[1] == 0 || rx[1] != rx[2] || rx[2] != rx[3] {
		t.Fatalf("mcast_rx per node %v, want one equal non-zero count", rx)
	}
	if got := s.sent[1][wire.SrpMcast]; got == 0 {
		t.Fatal("node 1 sent no MCAST")
	}
}
