package harness

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// PollInterval is how often the wait helpers ask the hosts again.
const PollInterval = 100 * time.Millisecond

// WaitCmap waits until `corosync-cmapctl totem.` answers on the host, i.e.
// the daemon accepts IPC. It returns the time waited.
func (h *Host) WaitCmap(timeout time.Duration) time.Duration {
	t := h.c.t
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < timeout {
		if d := h.corosync; d != nil && d.Exited() {
			t.Fatalf("harness: corosync on %s exited: %v (see %s)", h.Name, d.err, d.Out)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := h.Run(ctx, "corosync-cmapctl", "totem.")
		cancel()
		if err == nil && r.ExitCode == 0 && strings.Contains(r.Stdout, "totem.") {
			return time.Since(start)
		}
		if err != nil {
			last = err.Error()
		} else {
			last = r.String()
		}
		time.Sleep(PollInterval)
	}
	t.Fatalf("harness: corosync-cmapctl on %s did not answer within %v; last: %s", h.Name, timeout, last)
	return 0
}

// QuorumStatus runs `corosync-quorumtool -s` on the host and parses it.
func (h *Host) QuorumStatus(ctx context.Context) (QuorumStatus, Result, error) {
	r, err := h.Run(ctx, "corosync-quorumtool", "-s")
	if err != nil {
		return QuorumStatus{}, r, err
	}
	q, err := ParseQuorumtool(r.Stdout)
	return q, r, err
}

// Convergence is the outcome of a wait for membership agreement.
type Convergence struct {
	RingID  string
	Elapsed time.Duration // from the caller's `since`
	Status  []QuorumStatus
}

// WaitConverged polls quorumtool on hosts until all of them report the same
// ring id with members nodes. Elapsed is measured from since (e.g. the
// instant of a kill); pass time.Now() to time the wait itself. Fails the
// test after timeout, printing what each host said last.
func (c *Cluster) WaitConverged(since time.Time, hosts []*Host, members int, timeout time.Duration) Convergence {
	c.t.Helper()
	return c.waitStatus(since, hosts, members, false, timeout)
}

// WaitQuorate is WaitConverged plus "Quorate: Yes" on every host.
func (c *Cluster) WaitQuorate(since time.Time, hosts []*Host, members int, timeout time.Duration) Convergence {
	c.t.Helper()
	return c.waitStatus(since, hosts, members, true, timeout)
}

func (c *Cluster) waitStatus(since time.Time, hosts []*Host, members int, quorate bool, timeout time.Duration) Convergence {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	status := make([]QuorumStatus, len(hosts))
	last := make([]string, len(hosts))
	for {
		var wg sync.WaitGroup
		errs := make([]error, len(hosts))
		for i, h := range hosts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				var r Result
				status[i], r, errs[i] = h.QuorumStatus(ctx)
				last[i] = r.Stdout + r.Stderr
				if errs[i] != nil && last[i] == "" {
					last[i] = errs[i].Error()
				}
			}()
		}
		wg.Wait()
		ok := true
		for i := range hosts {
			s := status[i]
			if errs[i] != nil || s.Nodes != members || s.RingID != status[0].RingID || (quorate && !s.Quorate) {
				ok = false
			}
		}
		if ok {
			return Convergence{RingID: status[0].RingID, Elapsed: time.Since(since), Status: status}
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for i, h := range hosts {
				fmt.Fprintf(&b, "--- %s corosync-quorumtool -s:\n%s\n", h.Name, last[i])
			}
			c.t.Fatalf("harness: hosts did not agree on a ring of %d members (quorate required: %v) within %v:\n%s",
				members, quorate, timeout, b.String())
		}
		time.Sleep(PollInterval)
	}
}
