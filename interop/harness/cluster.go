package harness

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// RunRoot is the parent of every cluster's directory; a cluster's directory
// is named after its tag so the sweeper can tell whose it is.
const RunRoot = "/tmp/gorosync-interop"

// Cluster is N hosts on one bridge sharing one corosync.conf.
type Cluster struct {
	t testing.TB

	Tag        string       // name prefix of this cluster's namespaces and links
	Dir        string       // per-run directory, removed at cleanup
	Bridge     string       // bridge in the root namespace (no address)
	Subnet     netip.Prefix // addresses of the hosts, only inside their namespaces
	Config     Config
	ConfigText string // the corosync.conf every host runs
	Hosts      []*Host

	// LogTailBytes bounds how much of each log file is printed when the test
	// fails.
	LogTailBytes int
}

// New builds an n-host cluster (hosts node1..nodeN, nodeids 1..N), writes
// cfg's corosync.conf (and authkey when cfg.Crypto) into every host, and
// registers its teardown with t.Cleanup. No daemon is started. Missing
// tools or a non-root caller fail the test.
func New(t testing.TB, n int, cfg Config) *Cluster {
	t.Helper()
	if n < 1 || n > 200 {
		t.Fatalf("harness: %d hosts: want 1..200", n)
	}
	if err := checkTools(); err != nil {
		t.Fatalf("harness: %v", err)
	}
	sweepOnce.Do(func() { sweepStale(t) })

	c := &Cluster{t: t, Config: cfg, LogTailBytes: 8 << 10}
	prefix := Prefix
	if cfg.NamePrefix != "" {
		if !slices.Contains(Prefixes, cfg.NamePrefix) {
			t.Fatalf("harness: name prefix %q is not one of %v", cfg.NamePrefix, Prefixes)
		}
		prefix = cfg.NamePrefix
	}
	c.Tag = newTagWith(prefix, tagInUse)
	c.Bridge = bridgeName(c.Tag)
	// The third octet is random only to make the addresses of parallel runs
	// easy to tell apart in logs: they never meet, each run has its own
	// namespaces and bridge.
	c.Subnet = netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(100 + rand.IntN(150)), 0}), 24)
	c.Dir = filepath.Join(RunRoot, c.Tag)
	// Registered before anything exists so a half-built cluster is removed too.
	t.Cleanup(c.teardown)

	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatalf("harness: %v", err)
	}
	nodes := make([]Node, n)
	for i := range nodes {
		a := c.Subnet.Addr().As4()
		a[3] = byte(i + 1)
		nodes[i] = Node{Name: fmt.Sprintf("node%d", i+1), NodeID: i + 1, Addr: netip.AddrFrom4(a)}
	}
	text, err := Generate(cfg, nodes)
	if err != nil {
		t.Fatalf("%v", err)
	}
	c.ConfigText = text

	if err := c.addBridge(); err != nil {
		t.Fatalf("harness: %v", err)
	}
	for i, nd := range nodes {
		h := &Host{c: c, Index: i + 1, Node: nd, NS: nsName(c.Tag, i+1), Veth: vethName(c.Tag, i+1),
			Dir: filepath.Join(c.Dir, nd.Name)}
		c.Hosts = append(c.Hosts, h)
		if err := h.addNetwork(); err != nil {
			t.Fatalf("harness: host %s: %v", nd.Name, err)
		}
		if err := h.makeDirs(); err != nil {
			t.Fatalf("harness: host %s: %v", nd.Name, err)
		}
		if err := h.WriteConfig(text); err != nil {
			t.Fatalf("harness: %v", err)
		}
	}
	if cfg.Crypto {
		if err := c.writeAuthkey(); err != nil {
			t.Fatalf("harness: %v", err)
		}
	}
	return c
}

// Host returns host i (1-based, as in node names).
func (c *Cluster) Host(i int) *Host {
	c.t.Helper()
	if i < 1 || i > len(c.Hosts) {
		c.t.Fatalf("harness: no host %d (cluster has %d)", i, len(c.Hosts))
	}
	return c.Hosts[i-1]
}

// StartAll starts corosync of implementation impl on every host.
func (c *Cluster) StartAll(impl Impl) {
	c.t.Helper()
	for _, h := range c.Hosts {
		h.StartCorosync(impl)
	}
}

// Others returns every host except the given ones.
func (c *Cluster) Others(except ...*Host) []*Host {
	var out []*Host
next:
	for _, h := range c.Hosts {
		for _, x := range except {
			if h == x {
				continue next
			}
		}
		out = append(out, h)
	}
	return out
}

func (c *Cluster) addBridge() error {
	if err := ipCmd("link", "add", c.Bridge, "type", "bridge", "mcast_snooping", "0"); err != nil {
		return err
	}
	// The bridge only switches; an IPv6 link-local address would be an
	// address in the root namespace.
	if err := disableIPv6(c.Bridge); err != nil {
		return err
	}
	return ipCmd("link", "set", c.Bridge, "up")
}

func (c *Cluster) writeAuthkey() error {
	key := filepath.Join(c.Dir, "authkey")
	out, err := exec.Command("corosync-keygen", "-k", key).CombinedOutput()
	if err != nil {
		return fmt.Errorf("corosync-keygen: %v: %s", err, out)
	}
	data, err := os.ReadFile(key)
	if err != nil {
		return err
	}
	for _, h := range c.Hosts {
		if err := os.WriteFile(filepath.Join(h.Dir, "etc", "authkey"), data, 0o400); err != nil {
			return err
		}
	}
	return nil
}

// teardown kills every process in the cluster's namespaces, deletes the
// namespaces and links and removes the run directory. Failures to remove
// something are test errors: a leak would hurt the next run.
func (c *Cluster) teardown() {
	t := c.t
	if t.Failed() || panicking() {
		c.DumpLogs()
	}
	for _, h := range c.Hosts {
		for _, d := range []*Daemon{h.corosync, h.pacemaker} {
			if d != nil && !d.Exited() {
				d.kill()
			}
		}
	}
	for _, h := range c.Hosts {
		if !h.netReady {
			continue
		}
		if err := killNetnsPids(h.NS, 10*time.Second); err != nil {
			t.Errorf("harness: cleanup %s: %v", h.NS, err)
		}
		if err := ipCmd("netns", "del", h.NS); err != nil {
			t.Errorf("harness: cleanup: %v", err)
		}
	}
	for _, h := range c.Hosts {
		for _, d := range []*Daemon{h.corosync, h.pacemaker} {
			if d != nil {
				d.WaitExit(5 * time.Second)
			}
		}
		// Deleting the namespace destroys the peer and with it the veth,
		// asynchronously; delete it by name only if it outlives that.
		if !waitGone(h.Veth, 3*time.Second) {
			if err := ipCmd("link", "del", h.Veth); err != nil {
				t.Errorf("harness: cleanup: %v", err)
			}
		}
	}
	if linkExists(c.Bridge) {
		if err := ipCmd("link", "del", c.Bridge); err != nil {
			t.Errorf("harness: cleanup: %v", err)
		}
	}
	if c.Dir != "" {
		if err := os.RemoveAll(c.Dir); err != nil {
			t.Errorf("harness: cleanup: %v", err)
		}
	}
}

// ipCmd runs ip(8) in the root namespace.
func ipCmd(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// waitGone waits up to timeout for link name to disappear.
func waitGone(name string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); linkExists(name); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

func linkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

func disableIPv6(link string) error {
	p := filepath.Join("/proc/sys/net/ipv6/conf", link, "disable_ipv6")
	if _, err := os.Stat(p); err != nil {
		return nil // kernel without IPv6: nothing to disable
	}
	return os.WriteFile(p, []byte("1\n"), 0o644)
}

// tagInUse reports whether any namespace, link or run directory already
// carries tag.
func tagInUse(tag string) bool {
	if linkExists(bridgeName(tag)) {
		return true
	}
	if _, err := os.Stat(filepath.Join(RunRoot, tag)); err == nil {
		return true
	}
	_, err := os.Stat(filepath.Join("/run/netns", nsName(tag, 1)))
	return err == nil
}

var requiredTools = []string{"ip", "unshare", "nft", "mount", "corosync-keygen", "corosync-quorumtool", "corosync-cmapctl"}

func checkTools() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("interop tests need root (network namespaces, mounts)")
	}
	for _, tool := range requiredTools {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: install the Debian packages (make deps): %v", tool, err)
		}
	}
	if _, err := os.Stat(CCorosync); err != nil {
		return fmt.Errorf("Debian's corosync missing (%v): make deps", err)
	}
	for _, d := range mountTargets {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return fmt.Errorf("mount point %s missing: install corosync and pacemaker (make deps)", d)
		}
	}
	return nil
}

// panicking reports whether this cleanup runs because the test panicked:
// testing marks the test failed only after its cleanups, so t.Failed() is
// still false then, but the panic's frame is on this goroutine's stack.
func panicking() bool {
	buf := make([]byte, 1<<16)
	buf = buf[:runtime.Stack(buf, false)]
	return bytes.Contains(buf, []byte("\npanic("))
}
