//go:build interop

package interop

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/cfg"
	"github.com/gorosync/gorosync/daemon/cmap"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/interop/harness"
	"github.com/gorosync/gorosync/ipc"
)

// cfgHelperEnv names the events file of a helper process; its presence
// turns TestCfgHelperProcess into the helper.
const cfgHelperEnv = "GOROSYNC_CFG_HELPER_EVENTS"

// TestCfgtoolGoEngine runs Debian's corosync-cfgtool on node1 of the same
// 3-node udpu layout as TestCfgtoolC, against a process hosting our cmap
// and cfg engines (no ring: node1 and node2 are two cfg engines joined by
// an in-process SAFE-ordered queue, node3 is down), and compares the
// transcripts with the C goldens.
func TestCfgtoolGoEngine(t *testing.T) {
	c := harness.New(t, 3, harness.Config{Transport: harness.UDPU, Token: 1000, NamePrefix: "gf"})
	n1 := c.Host(1)
	events := startCfgHelper(t, n1)

	checkGolden(t, cfgGoldenFile, cfgTranscript(t, n1, cfgtoolSteps))
	checkGolden(t, "testdata/cfgtool/cfgquery.txt", cfgQuery(t, n1))

	good, err := os.ReadFile(n1.Path("etc", "corosync.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := n1.WriteConfig(string(good) + "\ntotem {\n"); err != nil {
		t.Fatal(err)
	}
	bad := cfgTranscript(t, n1, [][]string{{"corosync-cfgtool", "-R"}, {"corosync-cmapctl", "config."}})
	if err := n1.WriteConfig(string(good)); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/cfgtool/reload-syntax-error.txt", bad)

	checkGolden(t, "testdata/cfgtool/reload-invalid.txt", reloadInvalid(t, c))
	if !waitFileHas(events, "node1: "+invalidNotice+"\n", time.Second) {
		t.Errorf("no %q", invalidNotice)
	}
	checkGolden(t, "testdata/cfgtool/reload-change.txt", reloadChange(t, c))
	if !waitFileHas(events, "node1: "+roNotice+"\n", time.Second) {
		t.Errorf("no %q", roNotice)
	}

	checkGolden(t, "testdata/cfgtool/kill-2.txt", cfgTranscript(t, n1, [][]string{{"corosync-cfgtool", "-k", "2"}}))
	if !waitFileHas(events, "node2 fatal\n", 5*time.Second) ||
		!waitFileHas(events, "node2: Killed by node 1 : Killed by corosync-cfgtool\n", time.Second) {
		t.Error("node2 was not killed with C's log line")
	}

	checkGolden(t, "testdata/cfgtool/shutdown.txt", cfgTranscript(t, n1, [][]string{{"corosync-cfgtool", "-H"}}))
	if !waitFileHas(events, "node1 shutdown\n", 5*time.Second) ||
		!waitFileHas(events, "node1: Node 1 was shut down by sysadmin\n", time.Second) {
		t.Error("node1 did not shut down with C's log line")
	}
}

// startCfgHelper runs TestCfgHelperProcess on h (its network namespace and
// private directories) and returns its events file once it serves.
func startCfgHelper(t *testing.T, h *harness.Host) string {
	t.Helper()
	events := h.Path("gf-cfg-events.log")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := h.Command(ctx, os.Args[0], "-test.run=^TestCfgHelperProcess$")
	cmd.Env = append(os.Environ(), cfgHelperEnv+"="+events)
	out, err := os.Create(h.Path("gf-cfg-helper.out"))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		out.Close()
		if t.Failed() {
			b, _ := os.ReadFile(h.Path("gf-cfg-helper.out"))
			e, _ := os.ReadFile(events)
			t.Logf("helper output:\n%s\nevents:\n%s", b, e)
		}
	})
	if !waitFileHas(events, "ready\n", 20*time.Second) {
		t.Fatal("helper did not get ready")
	}
	return events
}

func waitFileHas(path, s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCfgHelperProcess is the helper process of TestCfgtoolGoEngine, run
// inside a harness host; as a plain test it does nothing.
func TestCfgHelperProcess(t *testing.T) {
	events := os.Getenv(cfgHelperEnv)
	if events == "" {
		return
	}
	if err := runCfgHelper(events); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// simRing delivers every multicast to all engines in one total order, on
// its own goroutine, as a SAFE delivery would.
type simRing struct {
	q       chan simMsg
	engines map[uint32]*cfg.Engine
}

type simMsg struct {
	from uint32
	msg  []byte
}

func (r *simRing) run() {
	for m := range r.q {
		for _, id := range []uint32{1, 2} {
			r.engines[id].Deliver(m.from, m.msg)
		}
	}
}

func runCfgHelper(eventsPath string) error {
	ef, err := os.OpenFile(eventsPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var emu sync.Mutex
	event := func(format string, a ...any) {
		emu.Lock()
		defer emu.Unlock()
		fmt.Fprintf(ef, format+"\n", a...)
	}
	const confPath = "/etc/corosync/corosync.conf"
	conf, err := confparse.Load(confPath, confparse.Options{})
	if err != nil {
		return err
	}
	ring := &simRing{q: make(chan simMsg, 64), engines: map[uint32]*cfg.Engine{}}
	members := func() []uint32 { return []uint32{1, 2} }
	var srv *ipc.Server
	for _, id := range []uint32{1, 2} {
		m := icmap.New()
		for _, k := range conf.Keys {
			if err := m.Set(k.Name, k.Value); err != nil {
				return fmt.Errorf("%s: %w", k.Name, err)
			}
		}
		for _, mb := range []struct {
			id     uint32
			status string
		}{{1, "joined"}, {2, "joined"}, {3, "left"}} {
			if err := m.Set(fmt.Sprintf("runtime.members.%d.status", mb.id), mb.status); err != nil {
				return err
			}
		}
		var cmu sync.Mutex
		cur := conf
		node := &cfg.UDPNode{
			NodeID:  id,
			Members: members,
			Nodes:   func() []confparse.Node { cmu.Lock(); defer cmu.Unlock(); return cur.Nodes() },
			NetMTU:  func() int { return cfg.UDPNetMTU(int(conf.Totem().NetMTU), false) },
			Send: func(msg []byte) error {
				ring.q <- simMsg{from: id, msg: append([]byte(nil), msg...)}
				return nil
			},
		}
		eng := cfg.New(cfg.Config{
			Map:        m,
			Node:       node,
			ConfigPath: confPath,
			Shutdown: func() {
				event("node%d shutdown", id)
				if id == 1 {
					// A leaving daemon drops its IPC clients.
					go srv.Close()
				}
			},
			Fatal:      func() { event("node%d fatal", id) },
			ApplyTotem: func(c *confparse.Config) error { cmu.Lock(); cur = c; cmu.Unlock(); return nil },
			Log: func(l logsys.Level, f string, a ...any) {
				event("node%d: %s", id, fmt.Sprintf(f, a...))
			},
		})
		ring.engines[id] = eng
		if id != 1 {
			continue
		}
		srv = ipc.NewServer(ipc.Config{Transport: ipc.SHM})
		if _, err := cmap.New(cmap.Config{Map: m}).Register(srv); err != nil {
			return err
		}
		if _, err := eng.Register(srv); err != nil {
			return err
		}
	}
	go ring.run()
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()
	srv.SetReady(true)
	event("ready")
	// The test ends the helper by cancelling its context; this bounds a
	// forgotten one.
	time.Sleep(150 * time.Second)
	return nil
}

func TestCfgtoolUDPGoEngine(t *testing.T) {
	c := harness.New(t, 3, harness.Config{Transport: harness.UDP, Token: 1000, NamePrefix: "gf"})
	n1 := c.Host(1)
	startCfgHelper(t, n1)
	checkGolden(t, "testdata/cfgtool/udp-3node-1down.txt", cfgTranscript(t, n1, cfgUDPSteps)+cfgQuery(t, n1))
}
