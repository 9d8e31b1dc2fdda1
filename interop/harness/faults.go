package harness

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Faults live in one nft table inside each host's namespace, so they vanish
// with the namespace at cleanup even if a test forgets to undo them.
const (
	nftTable = "gichaos"
	// Corosync's default mcastport (all transports listen there) and the
	// port below it, which udp (multicast) also uses.
	LossPorts = "5404-5405"
)

// nft runs an nft script inside the host's network namespace (no mount
// namespace needed: nft talks netlink).
func (h *Host) nft(script string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", h.NS, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("nft on %s: %v: %s\nscript:\n%s", h.Name, err, out, script)
	}
	return nil
}

// ensureTable creates the chaos table with its two chains; "add" is
// idempotent in nft.
func (h *Host) ensureTable() error {
	return h.nft(fmt.Sprintf(`add table inet %[1]s
add chain inet %[1]s loss { type filter hook input priority 0; policy accept; }
add chain inet %[1]s part { type filter hook input priority 1; policy accept; }
`, nftTable))
}

// SetLoss makes the host drop pct percent (0..100) of incoming corosync
// UDP packets (destination ports LossPorts) at random. 0 removes the loss.
func (h *Host) SetLoss(pct int) {
	t := h.c.t
	t.Helper()
	if pct < 0 || pct > 100 {
		t.Fatalf("harness: loss %d%%: want 0..100", pct)
	}
	if err := h.ensureTable(); err != nil {
		t.Fatalf("harness: %v", err)
	}
	script := fmt.Sprintf("flush chain inet %s loss\n", nftTable)
	if pct > 0 {
		script += fmt.Sprintf("add rule inet %s loss udp dport %s numgen random mod 100 < %d counter drop\n", nftTable, LossPorts, pct)
	}
	if err := h.nft(script); err != nil {
		t.Fatalf("harness: %v", err)
	}
}

// Partition splits the cluster: hosts in different groups cannot exchange
// packets, hosts in one group can. Hosts named in no group form one more
// group together. It replaces any earlier partition.
func (c *Cluster) Partition(groups ...[]*Host) {
	c.t.Helper()
	group := map[*Host]int{}
	for g, hs := range groups {
		for _, h := range hs {
			if _, dup := group[h]; dup {
				c.t.Fatalf("harness: %s in two partition groups", h.Name)
			}
			group[h] = g + 1
		}
	}
	for _, h := range c.Hosts {
		var cut []string
		for _, o := range c.Hosts {
			if group[o] != group[h] {
				cut = append(cut, o.Addr.String())
			}
		}
		if err := h.ensureTable(); err != nil {
			c.t.Fatalf("harness: %v", err)
		}
		script := fmt.Sprintf("flush chain inet %s part\n", nftTable)
		if len(cut) > 0 {
			script += fmt.Sprintf("add rule inet %s part ip saddr { %s } drop\n", nftTable, strings.Join(cut, ", "))
		}
		if err := h.nft(script); err != nil {
			c.t.Fatalf("harness: %v", err)
		}
	}
}

// Heal removes any partition.
func (c *Cluster) Heal() {
	c.t.Helper()
	c.Partition()
}

// LinkDown sets the root-namespace end of the host's veth down: the host is
// cut off while its own eth0 stays up, like a pulled cable upstream.
func (h *Host) LinkDown() {
	h.c.t.Helper()
	if err := ipCmd("link", "set", h.Veth, "down"); err != nil {
		h.c.t.Fatalf("harness: %v", err)
	}
}

// LinkUp undoes LinkDown.
func (h *Host) LinkUp() {
	h.c.t.Helper()
	if err := ipCmd("link", "set", h.Veth, "up"); err != nil {
		h.c.t.Fatalf("harness: %v", err)
	}
}

// LossDrops returns how many packets the host's SetLoss rule has dropped
// since it was set.
func (h *Host) LossDrops() int {
	t := h.c.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", h.NS, "nft", "list", "chain", "inet", nftTable, "loss").CombinedOutput()
	if err != nil {
		t.Fatalf("harness: nft list on %s: %v: %s", h.Name, err, out)
	}
	m := countersRE.FindAllStringSubmatch(string(out), -1)
	n := 0
	for _, x := range m {
		v, _ := strconv.Atoi(x[1])
		n += v
	}
	return n
}

var countersRE = regexp.MustCompile(`counter packets (\d+)`)
