package ring

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/daemon/transport"
	"github.com/gorosync/gorosync/totemsrp"
	"github.com/gorosync/gorosync/wire"
)

type logRec struct {
	mu    gosync.Mutex
	lines []string
}

func (l *logRec) log(subsys string, level logsys.Level, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("[%s] %s: %s", subsys, level, fmt.Sprintf(format, args...)))
}

func (l *logRec) grep(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			out = append(out, x)
		}
	}
	return out
}

type testNode struct {
	r      *Ring
	logs   *logRec
	m      *icmap.Map
	stats  *icmap.Map
	dir    string
	mu     gosync.Mutex
	synced []wire.RingID
}

func fastSRP(id uint32) totemsrp.Config {
	c := totemsrp.Defaults(id, 3)
	c.Token = 300 * time.Millisecond
	c.DeriveTimeouts()
	return c
}

func startNode(t *testing.T, net *transport.MemNetwork, id uint32, ids []uint32, dir string) *testNode {
	t.Helper()
	tr := net.Join(id, 1500, 1024)
	var ms []transport.Member
	for _, x := range ids {
		ms = append(ms, transport.Member{NodeID: x})
	}
	if err := tr.SetMembers(ms); err != nil {
		t.Fatal(err)
	}
	tn := &testNode{logs: &logRec{}, m: icmap.New(), stats: icmap.New(), dir: dir}
	r, err := New(Config{SRP: fastSRP(id), Transport: tr, StateDir: dir, Map: tn.m, Stats: tn.stats,
		Log: tn.logs.log, StatsInterval: 50 * time.Millisecond,
		SyncCompleted: func(ring wire.RingID) {
			tn.mu.Lock()
			tn.synced = append(tn.synced, ring)
			tn.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	tn.r = r
	r.Start()
	t.Cleanup(func() { r.Stop() })
	return tn
}

func (tn *testNode) view() (wire.RingID, []uint32, totemsrp.State) {
	var id wire.RingID
	var mem []uint32
	var st totemsrp.State
	tn.r.Do(func(n *totemsrp.Node) { id, mem, st = n.RingID(), n.Members(), n.State() })
	return id, mem, st
}

func (tn *testNode) lastSynced() wire.RingID {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if len(tn.synced) == 0 {
		return wire.RingID{}
	}
	return tn.synced[len(tn.synced)-1]
}

// waitRing waits until every node is OPERATIONAL on one ring with want
// members and has completed sync on it.
func waitRing(t *testing.T, nodes []*testNode, want []uint32, timeout time.Duration) wire.RingID {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var first wire.RingID
		ok := true
		var desc []string
		for i, tn := range nodes {
			id, mem, st := tn.view()
			if i == 0 {
				first = id
			}
			desc = append(desc, fmt.Sprintf("%s %v %s synced %s", id, mem, st, tn.lastSynced()))
			if id != first || st != totemsrp.StateOperational || !slices.Equal(mem, want) || tn.lastSynced() != id {
				ok = false
			}
		}
		if ok {
			return first
		}
		if time.Now().After(deadline) {
			t.Fatalf("no common ring of %v within %v: %v", want, timeout, desc)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRingFormsSyncsAndLeaves(t *testing.T) {
	net := transport.NewMemNetwork()
	ids := []uint32{1, 2, 3}
	base := t.TempDir()
	var nodes []*testNode
	for _, id := range ids {
		dir := filepath.Join(base, fmt.Sprint(id))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, startNode(t, net, id, ids, dir))
	}
	ring := waitRing(t, nodes, ids, 10*time.Second)
	if ring.Rep != 1 {
		t.Errorf("ring %s: want representative 1", ring)
	}
	for _, tn := range nodes {
		b, err := os.ReadFile(filepath.Join(tn.dir, "ringid_"+fmt.Sprint(tn.r.cfg.SRP.NodeID)))
		if err != nil {
			t.Fatal(err)
		}
		if seq, ok := totemsrp.DecodeRingSeq(b); !ok || seq != ring.Seq {
			t.Errorf("node %d stored seq %x (ok %v), ring is %s", tn.r.cfg.SRP.NodeID, seq, ok, ring)
		}
		if got := tn.logs.grep(fmt.Sprintf("A new membership (%s) was formed.", ring)); len(got) != 1 {
			t.Errorf("node %d: membership lines %q", tn.r.cfg.SRP.NodeID, got)
		}
		if got := tn.logs.grep("[QUORUM] notice: Members[3]: 1 2 3"); len(got) == 0 {
			t.Errorf("node %d: no Members[3] line", tn.r.cfg.SRP.NodeID)
		}
		if got := tn.logs.grep("Completed service synchronization"); len(got) == 0 {
			t.Errorf("node %d: sync never completed", tn.r.cfg.SRP.NodeID)
		}
		for _, id := range ids {
			st, err := tn.m.GetString(fmt.Sprintf("runtime.members.%d.status", id))
			if err != nil || st != "joined" {
				t.Errorf("node %d: runtime.members.%d.status = %q, %v", tn.r.cfg.SRP.NodeID, id, st, err)
			}
		}
	}
	time.Sleep(100 * time.Millisecond)
	if v, err := icmap.GetAs[uint64](nodes[0].stats, "stats.srp.orf_token_rx"); err != nil || v == 0 {
		t.Errorf("stats.srp.orf_token_rx = %d, %v", v, err)
	}

	// A stopped node sends LEAVE: the others re-form without waiting for
	// the token timeout.
	start := time.Now()
	if err := nodes[2].r.Stop(); err != nil {
		t.Fatal(err)
	}
	ring2 := waitRing(t, nodes[:2], ids[:2], 10*time.Second)
	if ring2.Seq <= ring.Seq {
		t.Errorf("new ring %s not after %s", ring2, ring)
	}
	t.Logf("ring %s -> %s in %v after LEAVE", ring, ring2, time.Since(start))
	for _, tn := range nodes[:2] {
		if st, _ := tn.m.GetString("runtime.members.3.status"); st != "left" {
			t.Errorf("node %d: runtime.members.3.status = %q", tn.r.cfg.SRP.NodeID, st)
		}
	}

	// Restarting node 3 from its state dir gives it a ring seq above the
	// one it stored.
	nodes[2] = startNode(t, net, 3, ids, nodes[2].dir)
	ring3 := waitRing(t, nodes, ids, 10*time.Second)
	if ring3.Seq <= ring2.Seq {
		t.Errorf("ring after rejoin %s not after %s", ring3, ring2)
	}
	if n, _ := nodes[0].m.GetUint32("runtime.members.3.join_count"); n != 2 {
		t.Errorf("runtime.members.3.join_count = %d, want 2", n)
	}
}

func TestViewList(t *testing.T) {
	if got := viewList("Members", []uint32{1, 2, 3}); !slices.Equal(got, []string{"Members[3]: 1 2 3"}) {
		t.Errorf("%q", got)
	}
	var many []uint32
	for i := uint32(1000); i < 1020; i++ {
		many = append(many, i)
	}
	got := viewList("Members", many)
	if len(got) != 2 || !strings.HasSuffix(got[0], "\\") || len(got[0]) > 64+len("Members[20]:") {
		t.Errorf("%q", got)
	}
}

func TestRingSeqFile(t *testing.T) {
	dir := t.TempDir()
	seq, err := LoadRingSeq(dir, 7)
	if err != nil || seq != 0 {
		t.Fatalf("fresh: %d %v", seq, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "ringid_7"))
	if len(b) != 8 {
		t.Fatalf("created file has %d bytes", len(b))
	}
	if st, err := os.Stat(filepath.Join(dir, "ringid_7")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("created file mode: %v %v (Debian's corosync leaves 0600)", st.Mode(), err)
	}
	if err := StoreRingSeq(dir, 7, 0x1234); err != nil {
		t.Fatal(err)
	}
	if seq, err = LoadRingSeq(dir, 7); err != nil || seq != 0x1234 {
		t.Fatalf("stored: %x %v", seq, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ringid_7"), []byte{1, 2}, 0o600); err != nil {
		t.Fatal(err)
	}
	if seq, err = LoadRingSeq(dir, 7); err != nil || seq != 0 {
		t.Fatalf("short file: %x %v", seq, err)
	}
	if _, err := LoadRingSeq(filepath.Join(dir, "missing"), 7); !errors.Is(err, ErrStoreRingID) ||
		!strings.HasPrefix(err.Error(), "Couldn't create ringid file '") {
		t.Fatalf("missing state dir: %v", err)
	}
	if err := StoreRingSeq(filepath.Join(dir, "missing"), 7, 1); !errors.Is(err, ErrStoreRingID) ||
		!strings.HasPrefix(err.Error(), "Couldn't store new ring id 1 to stable storage: ") {
		t.Fatalf("missing state dir: %v", err)
	}
}

func TestStopWithoutStart(t *testing.T) {
	tr := transport.NewMemNetwork().Join(1, 1500, 8)
	r, err := New(Config{SRP: fastSRP(1), Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { done <- r.Stop() }()
	go func() { done <- r.Stop() }()
	for i := 0; i < 2; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Stop of a ring never started did not return")
		}
	}
	if r.Do(func(*totemsrp.Node) {}) {
		t.Error("Do ran on a stopped ring")
	}
}
