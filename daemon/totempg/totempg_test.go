package totempg

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// fakeSRP records packets; avail is what Avail reports.
type fakeSRP struct {
	avail   int
	packets [][]byte
	fail    error
}

func (f *fakeSRP) Mcast(p []byte, _ Guarantee) error {
	if f.fail != nil {
		return f.fail
	}
	f.packets = append(f.packets, append([]byte(nil), p...))
	return nil
}
func (f *fakeSRP) Avail() int { return f.avail }

type delivered struct {
	nodeid uint32
	msg    []byte
}

func newNode(t testing.TB, netMTU int, groups ...string) (*PG, *fakeSRP, *[]delivered) {
	srp := &fakeSRP{avail: 100000}
	pg := New(srp, Config{NetMTU: netMTU})
	var got []delivered
	in := pg.GroupsInitialize(func(nodeid uint32, msg []byte, _ bool) {
		got = append(got, delivered{nodeid, append([]byte(nil), msg...)})
	}, nil)
	in.Join(groups...)
	return pg, srp, &got
}

func TestRoundTripRandom(t *testing.T) {
	for _, mtu := range []int{1410, 65446, 200} {
		t.Run(fmt.Sprint(mtu), func(t *testing.T) { roundTrip(t, mtu, int64(mtu)) })
	}
}

func roundTrip(t *testing.T, mtu int, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	const senders = 3
	type sent struct {
		nodeid uint32
		msg    []byte
	}
	var pgs []*PG
	var srps []*fakeSRP
	for i := 0; i < senders; i++ {
		pg, srp, _ := newNode(t, mtu, "a")
		pgs, srps = append(pgs, pg), append(srps, srp)
	}
	rx, _, got := newNode(t, mtu, "a")
	var want [][]sent
	want = make([][]sent, senders)
	sizes := []int{0, 1, 2, 35, mtu - 30, mtu - 20, mtu - 16, mtu - 15, mtu - 14, mtu - 13, mtu, 2 * mtu, 5000, 70000}
	next := make([]int, senders) // next packet index of each sender to deliver
	var order []delivered        // the simulated agreed order of packets
	deliverSome := func() {
		// totemsrp interleaves the senders' packets but keeps each sender's order.
		for i := range srps {
			for ; next[i] < len(srps[i].packets); next[i]++ {
				order = append(order, delivered{uint32(i + 1), srps[i].packets[next[i]]})
			}
		}
	}
	for round := 0; round < 300; round++ {
		i := rng.Intn(senders)
		var size int
		switch r := rng.Intn(20); {
		case r == 0 && round%100 == 0:
			size = wire.MessageSizeMax - 3 - 2 // the largest that fits with group "a"
		case r < 10:
			size = sizes[rng.Intn(len(sizes))]
		default:
			size = rng.Intn(3000)
		}
		msg := make([]byte, size)
		rng.Read(msg)
		// split into random iovecs: C packs per piece
		var iov [][]byte
		for rest := msg; len(rest) > 0; {
			n := 1 + rng.Intn(len(rest))
			iov, rest = append(iov, rest[:n]), rest[n:]
		}
		if err := pgs[i].McastGroups(Agreed, []string{"a"}, iov...); err != nil {
			t.Fatal(err)
		}
		want[i] = append(want[i], sent{uint32(i + 1), msg})
		if rng.Intn(3) == 0 {
			if err := pgs[rng.Intn(senders)].TokenReceived(); err != nil {
				t.Fatal(err)
			}
		}
		if rng.Intn(5) == 0 {
			deliverSome()
		}
	}
	for _, pg := range pgs {
		if err := pg.TokenReceived(); err != nil {
			t.Fatal(err)
		}
		if pg.Pending() != 0 {
			t.Fatal("pending after flush")
		}
	}
	deliverSome()
	for _, srp := range srps {
		for _, p := range srp.packets {
			if len(p) > mtu {
				t.Fatalf("packet of %d bytes > net_mtu %d", len(p), mtu)
			}
		}
	}
	for _, d := range order {
		rx.Deliver(d.nodeid, d.msg, false)
	}
	perSender := make([][]delivered, senders)
	for _, d := range *got {
		perSender[d.nodeid-1] = append(perSender[d.nodeid-1], d)
	}
	for i := range want {
		if len(perSender[i]) != len(want[i]) {
			t.Fatalf("sender %d: %d messages delivered, %d sent", i+1, len(perSender[i]), len(want[i]))
		}
		for j := range want[i] {
			if !bytes.Equal(perSender[i][j].msg, want[i][j].msg) {
				t.Fatalf("sender %d message %d: got %d bytes, want %d", i+1, j, len(perSender[i][j].msg), len(want[i][j].msg))
			}
		}
	}
	if s := rx.Stats(); s.Dropped != 0 {
		t.Fatalf("dropped %d", s.Dropped)
	}
}

// Replaying the messages of one captured node through our packer, flushing
// where C got the token, must give C's packets byte for byte: the packing
// decisions (and so the 1400+173 split of the downlist) are C's.
func TestPackingMatchesCapture(t *testing.T) {
	for _, path := range []string{"testdata/udpu2.pcap", "testdata/udpu3.pcap"} {
		ms := readCaptureMcasts(t, path)
		type key struct {
			ring   wire.RingID
			nodeid uint32
		}
		streams := map[key][]capturedMcast{}
		var keys []key
		for _, m := range ms {
			k := key{m.Ring, m.NodeID}
			if streams[k] == nil {
				keys = append(keys, k)
			}
			streams[k] = append(streams[k], m)
		}
		compared := 0
		for _, k := range keys {
			s := streams[k]
			sort.Slice(s, func(a, b int) bool { return s[a].Seq < s[b].Seq })
			if s[0].Seq != 1 || s[len(s)-1].Seq != uint32(len(s)) {
				continue // the capture missed part of this stream
			}
			tx, srp, _ := newNode(t, 1410)
			rx := newReceiver(tx.log)
			for _, m := range s {
				var msgs [][]byte
				rx.deliver(m.NodeID, m.Payload, false, func(_ uint32, msg []byte) {
					msgs = append(msgs, append([]byte(nil), msg...))
				})
				for _, msg := range msgs {
					g, err := wire.DecodeGroupMessage(msg, false)
					if err != nil {
						t.Fatal(err)
					}
					var names []string
					for _, n := range g.Groups {
						names = append(names, string(n))
					}
					if err := tx.McastGroups(Agreed, names, g.Payload); err != nil {
						t.Fatal(err)
					}
				}
				if err := tx.TokenReceived(); err != nil {
					t.Fatal(err)
				}
			}
			if len(srp.packets) != len(s) {
				t.Fatalf("%s ring %v node %d: %d packets, C sent %d", path, k.ring, k.nodeid, len(srp.packets), len(s))
			}
			for i := range s {
				if !bytes.Equal(srp.packets[i], s[i].Payload) {
					t.Fatalf("%s ring %v node %d packet %d:\n got %x\nwant %x", path, k.ring, k.nodeid, i, srp.packets[i][:16], s[i].Payload[:16])
				}
				compared++
			}
		}
		if compared < 10 {
			t.Fatalf("%s: only %d packets compared", path, compared)
		}
		t.Logf("%s: %d packets identical to C's", path, compared)
	}
}

// The downlist of the capture: 1573 bytes in group "a", split 1400+173.
func TestDownlistSplit(t *testing.T) {
	tx, srp, _ := newNode(t, 1410)
	payload := make([]byte, 1568)
	for i := range payload {
		payload[i] = byte(i)
	}
	if err := tx.McastGroups(Agreed, []string{"a"}, payload); err != nil {
		t.Fatal(err)
	}
	if len(srp.packets) != 2 {
		t.Fatalf("%d packets", len(srp.packets))
	}
	p0, _ := wire.DecodeTotempgPacket(srp.packets[0], false)
	p1, _ := wire.DecodeTotempgPacket(srp.packets[1], false)
	if p0.Fragmented != 1 || p0.Continuation != 0 || len(p0.Chunks) != 1 || len(p0.Chunks[0]) != 1400 {
		t.Fatalf("first %+v", p0)
	}
	if p1.Fragmented != 0 || p1.Continuation != 1 || len(p1.Chunks) != 1 || len(p1.Chunks[0]) != 173 {
		t.Fatalf("second %+v", p1)
	}
	if len(srp.packets[0])+wire.McastHeaderSize != 1455 {
		t.Fatalf("frame %d", len(srp.packets[0])+wire.McastHeaderSize)
	}
	rx, _, got := newNode(t, 1410, "a")
	rx.Deliver(7, srp.packets[0], false)
	if len(*got) != 0 {
		t.Fatal("delivered a fragment")
	}
	rx.Deliver(7, srp.packets[1], false)
	if len(*got) != 1 || !bytes.Equal((*got)[0].msg, payload) || (*got)[0].nodeid != 7 {
		t.Fatalf("got %d messages", len(*got))
	}
}

func pkt(frag, cont uint8, chunks ...[]byte) []byte {
	return (&wire.TotempgPacket{Fragmented: frag, Continuation: cont, Chunks: chunks}).Append(nil)
}

func msgA(s string) []byte { return append(wire.AppendGroupHeader(nil, "a"), s...) }

// A receiver that missed the start of a fragmented message (it joined
// mid-stream) throws the rest away, and also the other messages of the
// packets that end throw-away mode, as C does.
func TestThrowAway(t *testing.T) {
	rx, _, got := newNode(t, 1410, "a")
	whole := msgA("first-part|second-part|third-part")
	rx.Deliver(2, pkt(4, 3, whole[10:20]), false) // continuation 3, we saw nothing: throw away
	rx.Deliver(2, pkt(5, 4, whole[20:25]), false) // still throwing away (fragment id not 0/1)
	rx.Deliver(2, pkt(0, 5, whole[25:], msgA("lost")), false)
	if len(*got) != 0 {
		t.Fatalf("delivered %q during throw-away", (*got)[0].msg)
	}
	rx.Deliver(2, pkt(0, 0, msgA("x"), msgA("y")), false)
	if len(*got) != 2 || string((*got)[0].msg) != "x" || string((*got)[1].msg) != "y" {
		t.Fatalf("after throw-away: %v", *got)
	}
	// A continuation mismatch in the middle of a stream also drops the
	// whole packet.
	*got = nil
	rx.Deliver(2, pkt(1, 0, msgA("ok"), whole[:10]), false)
	rx.Deliver(2, pkt(0, 2, whole[10:]), false)
	if len(*got) != 1 || string((*got)[0].msg) != "ok" {
		t.Fatalf("mismatch: %v", *got)
	}
	rx.Deliver(2, pkt(0, 0, msgA("z")), false)
	if len(*got) != 2 || string((*got)[1].msg) != "z" {
		t.Fatalf("after mismatch: %v", *got)
	}
}

// Assembly during sync (waiting for trans ack) is kept apart from the normal
// assembly, and a node that left loses both.
func TestAssemblySetsAndLeave(t *testing.T) {
	rx, _, got := newNode(t, 1410, "a")
	m := msgA("0123456789abcdef")
	rx.Deliver(3, pkt(1, 0, m[:8]), false) // half a message on the normal set
	rx.WaitingTransAck(true)
	rx.Deliver(3, pkt(0, 0, msgA("sync-time")), false)
	rx.WaitingTransAck(false)
	rx.Deliver(3, pkt(0, 1, m[8:]), false)
	if len(*got) != 2 || string((*got)[0].msg) != "sync-time" || string((*got)[1].msg) != "0123456789abcdef" {
		t.Fatalf("%v", *got)
	}
	*got = nil
	rx.Deliver(3, pkt(1, 0, m[:8]), false)
	rx.ConfChg(ConfChg{Type: ConfigurationTransitional, Members: []uint32{1}, Left: []uint32{3}})
	rx.Deliver(3, pkt(0, 1, m[8:]), false) // continuation of a forgotten message
	rx.Deliver(3, pkt(0, 0, msgA("new")), false)
	if len(*got) != 1 || string((*got)[0].msg) != "new" {
		t.Fatalf("%v", *got)
	}
}

func TestGroupDelivery(t *testing.T) {
	srp := &fakeSRP{avail: 1000}
	pg := New(srp, Config{NetMTU: 1410})
	var a, s, both []string
	pg.GroupsInitialize(func(_ uint32, m []byte, _ bool) { a = append(a, string(m)) }, nil).Join("a")
	pg.GroupsInitialize(func(_ uint32, m []byte, _ bool) { s = append(s, string(m)) }, nil).Join("sync")
	pg.GroupsInitialize(func(_ uint32, m []byte, _ bool) { both = append(both, string(m)) }, nil).Join("sync", "a")
	var confchgs int
	pg.GroupsInitialize(nil, func(ConfChg) { confchgs++ })
	pg.Deliver(1, pkt(0, 0, msgA("A"), append(wire.AppendGroupHeader(nil, "sync"), 'S'),
		append(wire.AppendGroupHeader(nil, "b", "a"), 'B'), append(wire.AppendGroupHeader(nil, "zz"), 'Z'),
		[]byte{9, 0, 1}), false)
	if fmt.Sprint(a, s, both) != "[A B] [S] [A S B]" {
		t.Fatalf("%v %v %v", a, s, both)
	}
	if pg.Stats().Dropped != 1 {
		t.Fatalf("bad group header not counted: %+v", pg.Stats())
	}
	pg.ConfChg(ConfChg{Type: ConfigurationRegular})
	if confchgs != 1 {
		t.Fatal("confchg not delivered")
	}
}

// Flow control as C does it: TRY_AGAIN when the queue cannot take the
// message, reservations counted in stats.pg.msg_reserved.
func TestFlowControl(t *testing.T) {
	srp := &fakeSRP{avail: 10}
	pg := New(srp, Config{NetMTU: 1410})
	in := pg.GroupsInitialize(nil, nil)
	in.Join("a")
	per := 1410 - 8 - 16
	// 10 entries hold messages up to 10*per-1 bytes (group bytes included).
	if err := in.McastJoined(Agreed, make([]byte, 10*per-6)); err != nil {
		t.Fatal(err)
	}
	if err := in.McastJoined(Agreed, make([]byte, 10*per-5)); !errors.Is(err, ErrTryAgain) {
		t.Fatalf("got %v", err)
	}
	srp.avail = 0
	if err := in.McastJoined(Agreed, []byte("x")); !errors.Is(err, ErrTryAgain) {
		t.Fatal(err)
	}
	srp.avail = 100
	n, err := in.JoinedReserve(make([]byte, 3000))
	if err != nil || n != 3 || pg.Stats().MsgReserved != 4 {
		t.Fatalf("reserve %d %v %+v", n, err, pg.Stats())
	}
	if _, err := in.JoinedReserve(make([]byte, pg.sizeLimit)); !errors.Is(err, ErrTooBig) {
		t.Fatal(err)
	}
	pg.JoinedRelease(n)
	if pg.Stats().MsgReserved != 1 {
		t.Fatal(pg.Stats())
	}
	if !pg.SendOK([]string{"a"}, make([]byte, 97)) || pg.SendOK([]string{"a"}, make([]byte, 98)) {
		t.Fatal("send_ok boundary")
	}
	if pg.Stats().MsgQueueAvail != 100 {
		t.Fatal(pg.Stats())
	}
	if err := in.McastJoined(Agreed, make([]byte, wire.MessageSizeMax)); !errors.Is(err, ErrTooBig) {
		t.Fatal(err)
	}
	// The flush is skipped while totemsrp has no room, as in C.
	srp.avail = 100
	_ = in.McastJoined(Agreed, []byte("staged"))
	srp.avail = 0
	before := len(srp.packets)
	if err := pg.TokenReceived(); err != nil || len(srp.packets) != before || pg.Pending() == 0 {
		t.Fatal("flushed with a full queue")
	}
	srp.avail = 1
	if err := pg.TokenReceived(); err != nil || len(srp.packets) != before+1 {
		t.Fatal("not flushed")
	}
}

func TestFragmentIDs(t *testing.T) {
	// Fragment ids count up within a message, skip 0 when they wrap, and
	// restart at 1 with every message, because the group header pieces are
	// always packed whole first (next_fragment = 1).
	tx, srp, _ := newNode(t, 1410)
	big := make([]byte, 300*1400)
	for i := 0; i < 2; i++ {
		if err := tx.McastGroups(Agreed, []string{"a"}, big); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int
	last := uint8(0)
	for _, p := range srp.packets {
		d, _ := wire.DecodeTotempgPacket(p, false)
		if d.Continuation != last {
			t.Fatalf("continuation %d after fragment %d", d.Continuation, last)
		}
		last = d.Fragmented
		ids = append(ids, int(d.Fragmented))
	}
	want := []int{}
	for m := 0; m < 2; m++ {
		for i := 0; i < 300; i++ {
			want = append(want, i%255+1)
		}
		want = append(want, 0)
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("fragment ids\n%v\nwant\n%v", ids, want)
	}
}
