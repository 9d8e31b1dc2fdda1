package ring

import (
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/daemon/transport"
	"github.com/gorosync/gorosync/totemsrp"
	"github.com/gorosync/gorosync/wire"
)

// A token visit with messages to send: node 2 hands node 3 (the next
// member) its MCAST copies and then the token, and node 1 gets its copies
// after the token (transport.McastPeers with the token).
func TestTokenVisitOrder(t *testing.T) {
	net := transport.NewMemNetwork()
	var (
		recording atomic.Bool
		mu        gosync.Mutex
		sent      []string // "M>3", "T>3", ... from node 2, in send order
	)
	net.Filter = func(from, to uint32, f []byte) bool {
		if from != 2 || !recording.Load() || len(f) < 4 {
			return true
		}
		var kind string
		switch wire.SrpType(f[3]) {
		case wire.SrpMcast:
			kind = "M"
		case wire.SrpOrfToken:
			kind = "T"
		default:
			return true
		}
		mu.Lock()
		sent = append(sent, fmt.Sprintf("%s>%d", kind, to))
		mu.Unlock()
		return true
	}
	ids := []uint32{1, 2, 3}
	var nodes []*testNode
	for _, id := range ids {
		nodes = append(nodes, startNode(t, net, id, ids, ""))
	}
	waitRing(t, nodes, ids, 10*time.Second)

	r := nodes[1].r
	var g *totempg.Instance
	r.Do(func(*totemsrp.Node) {
		g = r.pg.GroupsInitialize(func(uint32, []byte, bool) {}, nil)
		g.Join("visit")
	})
	recording.Store(true)
	r.Do(func(*totemsrp.Node) {
		for i := 0; i < 3; i++ {
			if err := g.McastJoined(totempg.Agreed, make([]byte, 1200)); err != nil {
				t.Error(err)
			}
		}
	})
	want := []string{"M>3", "M>3", "M>3", "T>3", "M>1", "M>1", "M>1"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := append([]string(nil), sent...)
		mu.Unlock()
		if visit := firstVisit(got); visit != nil {
			if fmt.Sprint(visit) != fmt.Sprint(want) {
				t.Fatalf("visit %v, want %v (all: %v)", visit, want, got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no token visit with MCASTs from node 2: %v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// firstVisit returns the first run of MCASTs, the token after them and
// the MCASTs after the token, once the token has been followed by another
// token (so the visit is complete).
func firstVisit(sent []string) []string {
	start := -1
	for i, s := range sent {
		if s[0] == 'M' && start < 0 {
			start = i
		}
		if s[0] == 'T' && start >= 0 {
			for j := i + 1; j < len(sent); j++ {
				if sent[j][0] == 'T' {
					return sent[start:j]
				}
			}
			return nil
		}
	}
	return nil
}
