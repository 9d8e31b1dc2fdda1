package ring

import (
	"fmt"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	gsync "github.com/gorosync/gorosync/daemon/sync"
	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/daemon/transport"
	"github.com/gorosync/gorosync/totemsrp"
	"github.com/gorosync/gorosync/wire"
)

// fakeQuorum stands for a real quorum service (id 3) in sync.
type fakeQuorum struct {
	mu        gosync.Mutex
	activated int
}

func (f *fakeQuorum) ID() int                           { return 3 }
func (f *fakeQuorum) Name() string                      { return "fake quorum" }
func (f *fakeQuorum) Init(_, _ []uint32, _ wire.RingID) {}
func (f *fakeQuorum) Process() bool                     { return true }
func (f *fakeQuorum) Activate()                         { f.mu.Lock(); f.activated++; f.mu.Unlock() }
func (f *fakeQuorum) Abort()                            {}

func TestServicesRideOnTheRing(t *testing.T) {
	net := transport.NewMemNetwork()
	ids := []uint32{1, 2}
	type got struct {
		mu      gosync.Mutex
		msgs    []string
		confchg int
		fired   bool
	}
	var nodes []*testNode
	gots := map[uint32]*got{}
	quorums := map[uint32]*fakeQuorum{}
	for _, id := range ids {
		g := &got{}
		gots[id] = g
		q := &fakeQuorum{}
		quorums[id] = q
		tr := net.Join(id, 1500, 1024)
		_ = tr.SetMembers([]transport.Member{{NodeID: 1}, {NodeID: 2}})
		tn := &testNode{logs: &logRec{}, m: icmap.New(), stats: icmap.New(), dir: filepath.Join(t.TempDir())}
		var deadline time.Duration
		var r *Ring
		r, err := New(Config{SRP: fastSRP(id), Transport: tr, Map: tn.m, Log: tn.logs.log,
			SyncCompleted: func(ring wire.RingID) {
				tn.mu.Lock()
				tn.synced = append(tn.synced, ring)
				tn.mu.Unlock()
			},
			Services: Services{
				Sync: []gsync.Service{q},
				Deliver: func(nodeid uint32, msg []byte, _ bool) {
					g.mu.Lock()
					g.msgs = append(g.msgs, fmt.Sprintf("%d:%s", nodeid, msg))
					g.mu.Unlock()
				},
				ConfChg: func(totempg.ConfChg) { g.mu.Lock(); g.confchg++; g.mu.Unlock() },
				NextDeadline: func() (time.Duration, bool) {
					if deadline == 0 {
						deadline = r.Now() + 50*time.Millisecond
					}
					return deadline, !g.fired
				},
				Advance: func(time.Duration) { g.mu.Lock(); g.fired = true; g.mu.Unlock() },
			}})
		if err != nil {
			t.Fatal(err)
		}
		tn.r = r
		r.Start()
		t.Cleanup(func() { r.Stop() })
		nodes = append(nodes, tn)
	}
	waitRing(t, nodes, ids, 10*time.Second)
	var sendErr error
	nodes[0].r.Do(func(*totemsrp.Node) { sendErr = nodes[0].r.Mcast([]byte("hello"), totempg.Agreed) })
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, id := range ids {
		g := gots[id]
		for {
			g.mu.Lock()
			ok := len(g.msgs) == 1 && g.fired && g.confchg > 0
			desc := fmt.Sprintf("%q fired=%v confchg=%d", g.msgs, g.fired, g.confchg)
			g.mu.Unlock()
			if ok {
				if desc[:11] != `["1:hello"]` {
					t.Errorf("node %d: %s", id, desc)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d: %s", id, desc)
			}
			time.Sleep(10 * time.Millisecond)
		}
		quorums[id].mu.Lock()
		if quorums[id].activated == 0 {
			t.Errorf("node %d: the supplied quorum service was never activated", id)
		}
		quorums[id].mu.Unlock()
	}
	for _, tn := range nodes {
		if l := tn.logs.grep("Members["); len(l) != 0 {
			t.Errorf("ring printed %q although a quorum service was supplied", l)
		}
	}
}
