//go:build interop

package interop

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// quorumStep kills (start false) or starts a node, 1-based.
type quorumStep struct {
	start bool
	node  int
}

func (s quorumStep) String() string {
	if s.start {
		return fmt.Sprintf("start node%d", s.node)
	}
	return fmt.Sprintf("kill node%d", s.node)
}

// quorumTransitions runs steps on a started cluster and returns, per step,
// every running node's quorate flag, expected and total votes, quorum and
// flags as corosync-quorumtool -s prints them, read once the running nodes share one ring and settle has passed (the
// last_man_standing window).
func quorumTransitions(t *testing.T, c *harness.Cluster, impls []harness.Impl, steps []quorumStep, settle time.Duration) []string {
	t.Helper()
	running := map[int]bool{}
	for i := range impls {
		running[i+1] = true
	}
	sample := func(label string) string {
		var hosts []*harness.Host
		for i := range impls {
			if running[i+1] {
				hosts = append(hosts, c.Host(i+1))
			}
		}
		c.WaitConverged(time.Now(), hosts, len(hosts), 60*time.Second)
		time.Sleep(settle)
		var b strings.Builder
		fmt.Fprintf(&b, "%-12s:", label)
		for _, h := range hosts {
			q, r, err := h.QuorumStatus(t.Context())
			if err != nil {
				t.Fatalf("%s: %v\n%s", h.Name, err, r)
			}
			fmt.Fprintf(&b, " %s=%v(expected %d, total %d, quorum %d, flags %s)", h.Name, q.Quorate, q.ExpectedVotes, q.TotalVotes, q.Quorum, q.Flags)
		}
		return b.String()
	}
	out := []string{sample("all up")}
	for _, s := range steps {
		if s.start {
			c.Host(s.node).StartCorosync(impls[s.node-1])
		} else {
			c.Host(s.node).KillCorosync()
		}
		running[s.node] = s.start
		out = append(out, sample(s.String()))
	}
	return out
}

// TestEnginesQuorumTransitions: nodes are killed one by one and brought
// back on an all-C ring and on mixed rings of the same configuration; at
// every step every node must report the quorate flag, votes and flags the
// all-C ring's node of the same number reports. All clusters run at once.
func TestEnginesQuorumTransitions(t *testing.T) {
	three := []quorumStep{{false, 3}, {false, 2}, {true, 2}, {true, 3}}
	two := []quorumStep{{false, 2}, {true, 2}, {false, 1}, {true, 1}}
	C, G := harness.C, harness.Go
	// Every cluster at once, each in a serial subtest Run from its own
	// goroutine: t.Parallel would be held to -parallel (GOMAXPROCS, 2 here).
	var all sync.WaitGroup
	for _, tc := range []struct {
		name    string
		q       harness.Quorum
		steps   []quorumStep
		settle  time.Duration
		layouts [][]harness.Impl // the first is all C
	}{
		{"plain", harness.Quorum{}, three, time.Second, [][]harness.Impl{{C, C, C}, {C, C, G}, {C, G, G}}},
		{"wait_for_all", harness.Quorum{WaitForAll: true}, three, time.Second, [][]harness.Impl{{C, C, C}, {C, C, G}, {C, G, G}}},
		{"last_man_standing", harness.Quorum{LastManStanding: true, LastManStandingWindow: 2000}, three, 3500 * time.Millisecond,
			[][]harness.Impl{{C, C, C}, {C, C, G}, {C, G, G}}},
		{"two_node", harness.Quorum{TwoNode: true}, two, time.Second, [][]harness.Impl{{C, C}, {C, G}}},
	} {
		all.Add(1)
		go func() {
			defer all.Done()
			t.Run(tc.name, func(t *testing.T) {
				results := make([]chan []string, len(tc.layouts))
				for i := range results {
					results[i] = make(chan []string, 1)
				}
				var wg sync.WaitGroup
				for i, impls := range tc.layouts {
					name := ""
					for _, im := range impls {
						name += map[harness.Impl]string{C: "C", G: "Go"}[im]
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						t.Run(name, func(t *testing.T) {
							cfg := fastTimers(harness.UDPU)
							cfg.Quorum = tc.q
							c := harness.New(t, len(impls), cfg)
							for j, im := range impls {
								c.Host(j + 1).StartCorosync(im)
							}
							results[i] <- quorumTransitions(t, c, impls, tc.steps, tc.settle)
						})
					}()
				}
				wg.Wait()
				var want []string
				for i, impls := range tc.layouts {
					var got []string
					select {
					case got = <-results[i]:
					default:
						t.Fatalf("layout %v gave no result", impls)
					}
					if i == 0 {
						want = got
						t.Logf("all C:\n%s", strings.Join(got, "\n"))
						continue
					}
					if strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("layout %v differs from all C.\nall C:\n%s\nmixed:\n%s", impls, strings.Join(want, "\n"), strings.Join(got, "\n"))
					}
				}
			})
		}()
	}
	all.Wait()
}
