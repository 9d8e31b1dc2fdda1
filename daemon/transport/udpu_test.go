package transport

import (
	"errors"
	"fmt"
	"math/rand"
	"net"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// loopbackTriple picks three addresses of a random 127.a.b.0/24 (all of
// 127/8 is on lo) and a port, so parallel test runs do not collide.
func loopbackNet(t testing.TB) (func(host byte) netip.Addr, uint16) {
	r := rand.New(rand.NewSource(time.Now().UnixNano() ^ int64(os.Getpid())))
	a, b := byte(1+r.Intn(250)), byte(1+r.Intn(250))
	port := uint16(20000 + r.Intn(30000))
	return func(h byte) netip.Addr { return netip.AddrFrom4([4]byte{127, a, b, h}) }, port
}

func members(addr func(byte) netip.Addr, ids ...uint32) []Member {
	var ms []Member
	for _, id := range ids {
		ms = append(ms, Member{NodeID: id, Addrs: []netip.Addr{addr(byte(id))}})
	}
	return ms
}

func startUDPU(t *testing.T, addr func(byte) netip.Addr, port uint16, id uint32, ms []Member, allowUnlisted bool) *UDPU {
	t.Helper()
	u, err := NewUDPU(Config{BindAddr: addr(byte(id)), Port: port, Members: ms, AllowUnlistedIPs: allowUnlisted})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

func recvOne(t *testing.T, tr Transport) Packet {
	t.Helper()
	select {
	case p, ok := <-tr.Packets():
		if !ok {
			t.Fatal("packets closed")
		}
		return p
	case <-time.After(2 * time.Second):
		t.Fatal("no packet")
	}
	return Packet{}
}

func expectNone(t *testing.T, tr Transport) {
	t.Helper()
	select {
	case p := <-tr.Packets():
		t.Fatalf("unexpected packet %q from %v", p.Data, p.From)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestUDPULoopback(t *testing.T) {
	addr, port := loopbackNet(t)
	ms := members(addr, 1, 2, 3)
	n := map[uint32]*UDPU{}
	for _, id := range []uint32{1, 2, 3} {
		n[id] = startUDPU(t, addr, port, id, ms, false)
	}
	// A multicast reaches every member, the sender included, from the
	// sender's IP and an ephemeral port.
	if err := n[1].Mcast([]byte("mcast-1")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint32{1, 2, 3} {
		p := recvOne(t, n[id])
		if string(p.Data) != "mcast-1" || p.From.Addr() != addr(1) || p.From.Port() == port {
			t.Fatalf("node %d got %q from %v", id, p.Data, p.From)
		}
	}
	// A token goes to one member from the token socket (source port = mcastport).
	if err := n[2].Send(3, []byte("token")); err != nil {
		t.Fatal(err)
	}
	p := recvOne(t, n[3])
	if string(p.Data) != "token" || p.From != netip.AddrPortFrom(addr(2), port) {
		t.Fatalf("token %q from %v", p.Data, p.From)
	}
	expectNone(t, n[1])
	expectNone(t, n[2])
	if err := n[1].Send(9, []byte("x")); !errors.Is(err, ErrUnknownMember) {
		t.Fatal(err)
	}
	if s := n[1].Stats(); s.TxFrames != 3 || s.RxFrames != 1 {
		t.Fatalf("stats %+v", s)
	}
	// A frame as large as UDP allows goes through whole.
	big := make([]byte, 65507)
	big[65506] = 7
	_ = n[1].Send(2, big)
	if p := recvOne(t, n[2]); len(p.Data) != 65507 || p.Data[65506] != 7 {
		t.Fatalf("big frame %d bytes", len(p.Data))
	}
}

func TestUDPUBlockUnlisted(t *testing.T) {
	addr, port := loopbackNet(t)
	blocked := startUDPU(t, addr, port, 1, members(addr, 1, 2), false)
	stranger, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr(9), 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	if _, err := stranger.WriteToUDPAddrPort([]byte("who"), netip.AddrPortFrom(addr(1), port)); err != nil {
		t.Fatal(err)
	}
	expectNone(t, blocked)
	if s := blocked.Stats(); s.RxUnlisted != 1 {
		t.Fatalf("stats %+v", s)
	}
	// Once 9 is in the nodelist its packets pass.
	if err := blocked.SetMembers(members(addr, 1, 2, 9)); err != nil {
		t.Fatal(err)
	}
	_, _ = stranger.WriteToUDPAddrPort([]byte("me"), netip.AddrPortFrom(addr(1), port))
	if p := recvOne(t, blocked); string(p.Data) != "me" {
		t.Fatal(string(p.Data))
	}
	blocked.Close()
	// block_unlisted_ips: no
	open := startUDPU(t, addr, port, 2, members(addr, 1, 2), true)
	_, _ = stranger.WriteToUDPAddrPort([]byte("hi"), netip.AddrPortFrom(addr(2), port))
	if p := recvOne(t, open); string(p.Data) != "hi" || p.From.Addr() != addr(9) {
		t.Fatalf("%q from %v", p.Data, p.From)
	}
}

func TestUDPUIPv6(t *testing.T) {
	port := uint16(20000 + rand.Intn(30000))
	lo := netip.IPv6Loopback()
	u, err := NewUDPU(Config{BindAddr: lo, Port: port, Members: []Member{{NodeID: 1, Addrs: []netip.Addr{lo}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	_ = u.Mcast([]byte("v6"))
	if p := recvOne(t, u); string(p.Data) != "v6" || p.From.Addr() != lo {
		t.Fatalf("%q %v", p.Data, p.From)
	}
	_ = u.Send(1, []byte("t6"))
	if p := recvOne(t, u); string(p.Data) != "t6" || p.From.Port() != port {
		t.Fatalf("%q %v", p.Data, p.From)
	}
	if _, err := NewUDPU(Config{BindAddr: lo, Port: port + 1, Members: []Member{{NodeID: 1, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}}}); err == nil {
		t.Fatal("mixed families accepted")
	}
}

func TestCloseAndTruncation(t *testing.T) {
	addr, port := loopbackNet(t)
	u := startUDPU(t, addr, port, 1, members(addr, 1), false)
	if r := u.recv; r.accept(10, unix.MSG_TRUNC, netip.AddrPortFrom(addr(1), 1)) || r.accept(0, 0, netip.AddrPortFrom(addr(1), 1)) {
		t.Fatal("truncated or empty datagram accepted")
	}
	if s := u.Stats(); s.RxTruncated != 1 || s.RxEmpty != 1 {
		t.Fatalf("%+v", s)
	}
	u.Close()
	if _, ok := <-u.Packets(); ok {
		t.Fatal("channel open after Close")
	}
	if err := u.Mcast([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	// The port is free again.
	u2, err := NewUDPU(Config{BindAddr: addr(1), Port: port, Members: members(addr, 1)})
	if err != nil {
		t.Fatal(err)
	}
	u2.Close()
}

// memThree joins nodes 1, 2 and 3 to a new MemNetwork.
func memThree() (*MemNetwork, []*MemTransport) {
	nw := NewMemNetwork()
	var ts []*MemTransport
	for id := uint32(1); id <= 3; id++ {
		m := nw.Join(id, 1500, 16)
		_ = m.SetMembers([]Member{{NodeID: 1}, {NodeID: 2}, {NodeID: 3}})
		ts = append(ts, m)
	}
	return nw, ts
}

func TestMemNetwork(t *testing.T) {
	nw, ts := memThree()
	nw.Filter = func(from, to uint32, _ []byte) bool { return !(from == 1 && to == 3) }
	_ = ts[0].Mcast([]byte("m"))
	for i, want := range []bool{true, true, false} {
		select {
		case p := <-ts[i].Packets():
			if !want || string(p.Data) != "m" || p.From.Port() != 1 {
				t.Fatalf("node %d got %v", i+1, p)
			}
		default:
			if want {
				t.Fatalf("node %d got nothing", i+1)
			}
		}
	}
	_ = ts[1].Send(3, []byte("t"))
	if p := <-ts[2].Packets(); string(p.Data) != "t" {
		t.Fatal(p)
	}
	if err := ts[1].Send(4, nil); !errors.Is(err, ErrUnknownMember) {
		t.Fatal(err)
	}
	ts[2].Close()
	_ = ts[0].Mcast([]byte("after"))
	var _ Transport = ts[0]
	var _ Transport = (*UDPU)(nil)
	var _ Transport = (*UDP)(nil)

}

// Six members: Mcast goes through sendmmsg (mmsgMin) and through sendto
// when that is off; every member gets exactly one copy either way.
func TestUDPUMcastFanout(t *testing.T) {
	addr, port := loopbackNet(t)
	ids := []uint32{1, 2, 3, 4, 5, 6}
	ms := members(addr, ids...)
	n := map[uint32]*UDPU{}
	for _, id := range ids {
		n[id] = startUDPU(t, addr, port, id, ms, false)
	}
	for _, plain := range []bool{false, true} {
		n[4].mm.disabled = plain
		if err := n[4].Mcast([]byte("fan")); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if p := recvOne(t, n[id]); string(p.Data) != "fan" || p.From.Addr() != addr(4) {
				t.Fatalf("node %d: %q from %v", id, p.Data, p.From)
			}
		}
		for _, id := range ids {
			expectNone(t, n[id])
		}
	}
	if s := n[4].Stats(); s.TxFrames != 12 || s.TxErrors != 0 {
		t.Fatalf("%+v", s)
	}
}

// startThree starts udpu nodes 1, 2 and 3 on loopback.
func startThree(t *testing.T) (func(byte) netip.Addr, []uint32, map[uint32]*UDPU) {
	addr, port := loopbackNet(t)
	ids := []uint32{1, 2, 3}
	ms := members(addr, ids...)
	n := map[uint32]*UDPU{}
	for _, id := range ids {
		n[id] = startUDPU(t, addr, port, id, ms, false)
	}
	return addr, ids, n
}

// McastPeers with several frames (one token visit): every other member
// gets each frame once, in order, the sender none; through sendmmsg and
// through sendto alike.
func TestUDPUMcastPeersBatch(t *testing.T) {
	addr, ids, n := startThree(t)
	frames := [][]byte{[]byte("f1"), []byte("f2"), []byte("f3")}
	for _, plain := range []bool{false, true} {
		n[2].mm.disabled = plain
		if err := n[2].McastPeers(frames, 0, nil); err != nil {
			t.Fatal(err)
		}
		for _, id := range []uint32{1, 3} {
			for _, want := range frames {
				if p := recvOne(t, n[id]); string(p.Data) != string(want) || p.From.Addr() != addr(2) {
					t.Fatalf("plain=%v node %d: %q from %v, want %q", plain, id, p.Data, p.From, want)
				}
			}
		}
		for _, id := range ids {
			expectNone(t, n[id])
		}
	}
	if s := n[2].Stats(); s.TxFrames != 12 || s.TxErrors != 0 {
		t.Fatalf("%+v", s)
	}
}

// A token visit on udpu: the token's target gets its copies and then the
// token; the other member gets its copies; the sender gets nothing. Each
// member's own order is kept (one socket pair, loopback), through sendmmsg
// and through sendto alike. (Which member is served first is visitOrder's
// job, tested below: receivers on loopback cannot see it.)
func TestUDPUMcastPeersToken(t *testing.T) {
	addr, ids, n := startThree(t)
	frames := [][]byte{[]byte("f1"), []byte("f2"), []byte("f3"), []byte("f4")}
	for _, plain := range []bool{false, true} {
		n[2].mm.disabled = plain
		if err := n[2].McastPeers(frames, 3, []byte("token")); err != nil {
			t.Fatal(err)
		}
		for _, id := range []uint32{3, 1} {
			want := frames
			if id == 3 {
				want = append(want[:len(want):len(want)], []byte("token"))
			}
			for _, w := range want {
				if p := recvOne(t, n[id]); string(p.Data) != string(w) || p.From.Addr() != addr(2) {
					t.Fatalf("plain=%v node %d: %q from %v, want %q", plain, id, p.Data, p.From, w)
				}
			}
		}
		for _, id := range ids {
			expectNone(t, n[id])
		}
	}
	// A target that is not a member: the frames still go out, the token
	// is refused.
	if err := n[2].McastPeers(frames[:1], 9, []byte("token")); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("unknown target: %v", err)
	}
	for _, id := range []uint32{1, 3} {
		if p := recvOne(t, n[id]); string(p.Data) != "f1" {
			t.Fatalf("node %d: %q", id, p.Data)
		}
	}
	if s := n[2].Stats(); s.TxFrames != 2*(8+1)+2 || s.TxErrors != 0 {
		t.Fatalf("%+v", s)
	}
}

func TestVisitOrder(t *testing.T) {
	addr := func(id uint32) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, byte(id)}) }
	var ms []Member
	for _, id := range []uint32{7, 1, 5, 3, 9} { // nodelist order is not ring order
		ms = append(ms, Member{NodeID: id, Addrs: []netip.Addr{addr(id)}})
	}
	s, err := newMemberSet(ms, addr(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		to   uint32
		rest []uint32
	}{
		{5, []uint32{7, 9, 1}},
		{9, []uint32{1, 5, 7}},
		{1, []uint32{5, 7, 9}},
	} {
		first, rest, ok := s.visitOrder(c.to, nil, nil)
		if !ok || len(first) != 1 || first[0] != addr(c.to) {
			t.Fatalf("to %d: first %v ok %v", c.to, first, ok)
		}
		var want []netip.Addr
		for _, id := range c.rest {
			want = append(want, addr(id))
		}
		if !slices.Equal(rest, want) {
			t.Fatalf("to %d: rest %v, want %v", c.to, rest, want)
		}
	}
	if _, _, ok := s.visitOrder(3, nil, nil); ok {
		t.Fatal("the local node is not a peer")
	}
	if _, _, ok := s.visitOrder(4, nil, nil); ok {
		t.Fatal("4 is not a member")
	}
}

// MemTransport's McastPeers sends in udpu's order; Filter sees every
// datagram in send order.
func TestMemMcastPeersOrder(t *testing.T) {
	nw, ts := memThree()
	var seen []string
	nw.Filter = func(from, to uint32, f []byte) bool {
		seen = append(seen, fmt.Sprintf("%s>%d", f, to))
		return true
	}
	if err := ts[1].McastPeers([][]byte{[]byte("a"), []byte("b")}, 3, []byte("T")); err != nil {
		t.Fatal(err)
	}
	want := []string{"a>3", "b>3", "T>3", "a>1", "b>1"}
	if !slices.Equal(seen, want) {
		t.Fatalf("sent %v, want %v", seen, want)
	}
	seen = nil
	if err := ts[1].McastPeers([][]byte{[]byte("a")}, 0, nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a>1", "a>3"}; !slices.Equal(seen, want) {
		t.Fatalf("without a token: sent %v, want %v", seen, want)
	}
}
