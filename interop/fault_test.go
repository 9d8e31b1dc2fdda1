//go:build interop

package interop

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// logFormed reports how long after since the daemons themselves logged the
// ring (their view, without the polling delay).
func logFormed(t *testing.T, c *harness.Cluster, hosts []*harness.Host, conv harness.Convergence, since time.Time) time.Duration {
	t.Helper()
	at, err := c.RingFormedAt(hosts, conv.RingID)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return at.Sub(since).Round(time.Millisecond)
}

// TestFaultKillRestart: kill -9 one C node, the other two must form a
// 2-member quorate ring; restart it, all three must agree again.
func TestFaultKillRestart(t *testing.T) {
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	c.StartAll(harness.C)
	c.WaitQuorate(time.Now(), c.Hosts, 3, 60*time.Second)

	victim := c.Host(3)
	rest := c.Others(victim)
	killed := victim.KillCorosync()
	conv := c.WaitQuorate(killed, rest, 2, 30*time.Second)
	t.Logf("kill -9 %s: survivors on 2-member ring %s, quorate; polled %v, logged %v after the kill",
		victim.Name, conv.RingID, conv.Elapsed.Round(time.Millisecond), logFormed(t, c, rest, conv, killed))

	restarted := time.Now()
	victim.StartCorosync(harness.C)
	conv = c.WaitQuorate(restarted, c.Hosts, 3, 30*time.Second)
	t.Logf("restart %s: 3-member ring %s, quorate; polled %v, logged %v after the start",
		victim.Name, conv.RingID, conv.Elapsed.Round(time.Millisecond), logFormed(t, c, c.Hosts, conv, restarted))
	checkQuorumtool(t, c, 3)

	// A SIGTERMed corosync leaves the ring on its way out; restart brings
	// it back.
	stopped := time.Now()
	victim.StopCorosync()
	conv = c.WaitQuorate(stopped, rest, 2, 30*time.Second)
	t.Logf("SIGTERM %s: survivors on ring %s after %v", victim.Name, conv.RingID, conv.Elapsed.Round(time.Millisecond))
	if err := victim.Corosync().Err(); err != nil {
		t.Errorf("corosync on %s exited with %v after SIGTERM", victim.Name, err)
	}
	restarted = time.Now()
	victim.RestartCorosync()
	conv = c.WaitQuorate(restarted, c.Hosts, 3, 30*time.Second)
	t.Logf("restart %s: ring %s after %v", victim.Name, conv.RingID, conv.Elapsed.Round(time.Millisecond))
}

// TestFaultPartitionLinkLoss exercises the harness's other faults on a C
// cluster, so a broken fault helper shows up here rather than as a puzzling
// result in a later test.
func TestFaultPartitionLinkLoss(t *testing.T) {
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	c.StartAll(harness.C)
	c.WaitQuorate(time.Now(), c.Hosts, 3, 60*time.Second)
	n3 := c.Host(3)
	majority := c.Others(n3)

	cut := time.Now()
	c.Partition(majority, []*harness.Host{n3})
	conv := c.WaitQuorate(cut, majority, 2, 30*time.Second)
	lone := c.WaitConverged(cut, []*harness.Host{n3}, 1, 30*time.Second)
	if lone.Status[0].Quorate {
		t.Errorf("partitioned node3 alone claims quorum: %+v", lone.Status[0])
	}
	t.Logf("partition {1,2}|{3}: majority ring %s after %v, node3 alone after %v",
		conv.RingID, conv.Elapsed.Round(time.Millisecond), lone.Elapsed.Round(time.Millisecond))

	healed := time.Now()
	c.Heal()
	conv = c.WaitQuorate(healed, c.Hosts, 3, 30*time.Second)
	t.Logf("heal: ring %s after %v", conv.RingID, conv.Elapsed.Round(time.Millisecond))

	down := time.Now()
	n3.LinkDown()
	conv = c.WaitQuorate(down, majority, 2, 30*time.Second)
	t.Logf("link down %s: majority ring %s after %v", n3.Veth, conv.RingID, conv.Elapsed.Round(time.Millisecond))
	up := time.Now()
	n3.LinkUp()
	conv = c.WaitQuorate(up, c.Hosts, 3, 30*time.Second)
	t.Logf("link up: ring %s after %v", conv.RingID, conv.Elapsed.Round(time.Millisecond))

	// The drop rule must drop about its share: 2000 datagrams to an
	// unused port in LossPorts (udpu listens on 5405 only), 5% loss.
	n2 := c.Host(2)
	n2.SetLoss(5)
	const sent = 2000
	c.Host(1).MustRun("bash", "-c", fmt.Sprintf(
		"for i in $(seq %d); do echo x > /dev/udp/%s/5404; done", sent, n2.Addr))
	drops := n2.LossDrops()
	if drops < sent/100 || drops > sent*15/100 {
		t.Errorf("5%% loss dropped %d of %d datagrams", drops, sent)
	}
	// 5% loss is within what Totem's retransmission absorbs: the ring must
	// stay whole.
	time.Sleep(5 * time.Second)
	conv = c.WaitQuorate(time.Now(), c.Hosts, 3, 30*time.Second)
	n2.SetLoss(0)
	if n2.LossDrops() != 0 {
		t.Errorf("SetLoss(0) left a drop rule")
	}
	t.Logf("5%% loss on node2: %d of %d probe datagrams dropped; ring %s still whole after 5 s", drops, sent, conv.RingID)
}
