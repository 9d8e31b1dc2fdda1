package transport

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
)

// BenchmarkUDPUMcast compares sendmmsg with one sendto per member for
// udpu's multicast (a 1455-byte frame, the largest C sends with netmtu 1500).
func BenchmarkUDPUMcast(b *testing.B) {
	for _, n := range []int{3, 8, 16} {
		for _, mm := range []bool{true, false} {
			b.Run(fmt.Sprintf("members=%d/sendmmsg=%v", n, mm), func(b *testing.B) {
				addr, port := loopbackNet(b)
				var ms []Member
				for i := 1; i <= n; i++ {
					// Only remote members: the local copy's receive path
					// would be measured too.
					ms = append(ms, Member{NodeID: uint32(i + 1), Addrs: []netip.Addr{addr(byte(i + 1))}})
					// Receivers that never read: the kernel drops once
					// their buffers are full, which costs the sender nothing.
					c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr(byte(i+1)), port)))
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
				}
				u, err := NewUDPU(Config{BindAddr: addr(1), Port: port, Members: ms, plainIO: !mm})
				if err != nil {
					b.Fatal(err)
				}
				defer u.Close()
				go func() {
					for range u.Packets() {
					}
				}()
				frame := make([]byte, 1455)
				b.SetBytes(int64(len(frame) * n))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_ = u.Mcast(frame)
				}
			})
		}
	}
}

// BenchmarkUDPURecv measures the receive loop: a peer sends 1455-byte
// frames, at most 64 in flight.
func BenchmarkUDPURecv(b *testing.B) {
	addr, port := loopbackNet(b)
	ms := []Member{{NodeID: 1, Addrs: []netip.Addr{addr(1)}}, {NodeID: 2, Addrs: []netip.Addr{addr(2)}}}
	u, err := NewUDPU(Config{BindAddr: addr(1), Port: port, Members: ms})
	if err != nil {
		b.Fatal(err)
	}
	defer u.Close()
	peer, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr(2), 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	to := netip.AddrPortFrom(addr(1), port)
	frame := make([]byte, 1455)
	credits := make(chan struct{}, 64)
	for i := 0; i < 64; i++ {
		credits <- struct{}{}
	}
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	go func() {
		for i := 0; i < b.N; i++ {
			<-credits
			_, _ = peer.WriteToUDPAddrPort(frame, to)
		}
	}()
	for i := 0; i < b.N; i++ {
		<-u.Packets()
		credits <- struct{}{}
	}
}
