package transport

import (
	"fmt"
	"math/rand"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var netnsSeq atomic.Int32

// twoNetns makes two network namespaces joined by a veth pair (gta in the
// first, gtb in the second), with the given addresses, and removes them at
// the end. Multicast is on by default on veth. Needs root and iproute2, like
// every test that touches namespaces here.
func twoNetns(t *testing.T, a, b netip.Prefix) (nsA, nsB string) {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("iproute2 is required: %v", err)
	}
	tag := fmt.Sprintf("gt%d%02d%d", os.Getpid()%100000, netnsSeq.Add(1)%100, rand.Intn(10))
	nsA, nsB = tag+"a", tag+"b"
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", nsA)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", nsA).Run() })
	ip("netns", "add", nsB)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", nsB).Run() })
	ip("link", "add", tag+"x", "netns", nsA, "type", "veth", "peer", "name", tag+"y", "netns", nsB)
	for _, s := range []struct {
		ns, dev string
		p       netip.Prefix
	}{{nsA, tag + "x", a}, {nsB, tag + "y", b}} {
		ip("-n", s.ns, "link", "set", "lo", "up")
		args := []string{"-n", s.ns, "addr", "add", s.p.String(), "dev", s.dev}
		if s.p.Addr().Is6() {
			args = append(args, "nodad")
		}
		ip(args...)
		ip("-n", s.ns, "link", "set", s.dev, "up")
	}
	// IPv6 drops multicast input until the link is up and its link-local
	// address has passed DAD; wait for that (bounded).
	deadline := time.Now().Add(5 * time.Second)
	for _, s := range [][2]string{{nsA, tag + "x"}, {nsB, tag + "y"}} {
		for {
			link, _ := exec.Command("ip", "-n", s[0], "link", "show", "dev", s[1]).Output()
			addr, _ := exec.Command("ip", "-n", s[0], "-6", "addr", "show", "dev", s[1]).Output()
			v6ok := !a.Addr().Is6() || (strings.Contains(string(addr), "fe80::") && !strings.Contains(string(addr), "tentative"))
			if strings.Contains(string(link), "state UP") && v6ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s/%s not ready:\n%s%s", s[0], s[1], link, addr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nsA, nsB
}

// inNetns runs f on a thread switched into the named namespace; sockets
// made there stay in it afterwards.
func inNetns(t *testing.T, name string, f func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer unix.Close(orig)
	fd, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	f()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: Go then retires it with the goroutine.
		t.Fatalf("cannot return to the original netns: %v", err)
	}
	runtime.UnlockOSThread()
}

func startUDP(t *testing.T, ns string, cfg Config) *UDP {
	t.Helper()
	var u *UDP
	var err error
	inNetns(t, ns, func() { u, err = NewUDP(cfg) })
	if err != nil {
		t.Fatalf("%s: %v", ns, err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

func udpPair(t *testing.T, a, b netip.Prefix, mod func(*Config)) (*UDP, *UDP) {
	nsA, nsB := twoNetns(t, a, b)
	port := uint16(20000 + rand.Intn(30000))
	ms := []Member{{NodeID: 1, Addrs: []netip.Addr{a.Addr()}}, {NodeID: 2, Addrs: []netip.Addr{b.Addr()}}}
	cfg := func(addr netip.Addr) Config {
		c := Config{BindAddr: addr, Port: port, Members: ms, ClusterName: "gorosync-test"}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	return startUDP(t, nsA, cfg(a.Addr())), startUDP(t, nsB, cfg(b.Addr()))
}

func exchange(t *testing.T, ua, ub *UDP) {
	t.Helper()
	port := ua.cfg.Port
	if err := ua.Mcast([]byte("from-a")); err != nil {
		t.Fatal(err)
	}
	// The local copy comes through the internal loop, the remote one by
	// multicast from mcast_send (port − 1).
	if p := recvOne(t, ua); string(p.Data) != "from-a" {
		t.Fatalf("local copy %q", p.Data)
	}
	p := recvOne(t, ub)
	if string(p.Data) != "from-a" || p.From != netip.AddrPortFrom(ua.cfg.BindAddr, port-1) {
		t.Fatalf("b got %q from %v", p.Data, p.From)
	}
	if ua.cfg.Broadcast {
		// Linux loops limited broadcasts back to local sockets whatever
		// IP_MULTICAST_LOOP says, so a C node sees its own broadcasts twice
		// too; totemsrp drops the duplicate.
		if p := recvOne(t, ua); string(p.Data) != "from-a" {
			t.Fatalf("looped broadcast %q", p.Data)
		}
	}
	expectNone(t, ua) // multicast loop is off: no second copy
	if err := ub.Send(1, []byte("token")); err != nil {
		t.Fatal(err)
	}
	p = recvOne(t, ua)
	if string(p.Data) != "token" || p.From != netip.AddrPortFrom(ub.cfg.BindAddr, port-1) {
		t.Fatalf("token %q from %v", p.Data, p.From)
	}
	expectNone(t, ub)
}

func TestUDPMulticastIPv4(t *testing.T) {
	t.Parallel()
	ua, ub := udpPair(t, netip.MustParsePrefix("10.251.7.1/24"), netip.MustParsePrefix("10.251.7.2/24"), nil)
	want, _ := DefaultMcastAddr("gorosync-test", 0, false)
	if ua.Group().Addr() != want {
		t.Fatalf("group %v, want %v", ua.Group(), want)
	}
	exchange(t, ua, ub)
}

func TestUDPMulticastIPv6(t *testing.T) {
	t.Parallel()
	ua, ub := udpPair(t, netip.MustParsePrefix("fd00:251:7::1/64"), netip.MustParsePrefix("fd00:251:7::2/64"), nil)
	if !strings.HasPrefix(ua.Group().Addr().String(), "ff15::") {
		t.Fatal(ua.Group())
	}
	exchange(t, ua, ub)
}

func TestUDPExplicitGroupTTL(t *testing.T) {
	t.Parallel()
	ua, ub := udpPair(t, netip.MustParsePrefix("10.251.8.1/24"), netip.MustParsePrefix("10.251.8.2/24"), func(c *Config) {
		c.McastAddr = netip.MustParseAddr("239.255.42.1")
		c.TTL = 3
	})
	if ua.Group().Addr().String() != "239.255.42.1" {
		t.Fatal(ua.Group())
	}
	exchange(t, ua, ub)
}

func TestUDPBroadcast(t *testing.T) {
	t.Parallel()
	ua, ub := udpPair(t, netip.MustParsePrefix("10.251.9.1/24"), netip.MustParsePrefix("10.251.9.2/24"), func(c *Config) { c.Broadcast = true })
	if ua.Group().Addr() != BroadcastAddr {
		t.Fatal(ua.Group())
	}
	exchange(t, ua, ub)
}
