//go:build interop

package interop

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// fastTimers keep membership changes within a few seconds; every host gets
// the same values (the harness writes one config for all).
func fastTimers(tr harness.Transport) harness.Config {
	return harness.Config{Transport: tr, Token: 1000}
}

// checkQuorumtool asserts the acceptance criterion directly on the text
// corosync-quorumtool prints, not only on the parsed form.
func checkQuorumtool(t *testing.T, c *harness.Cluster, nodes int) {
	t.Helper()
	for _, h := range c.Hosts {
		r := h.RunT("corosync-quorumtool", "-s")
		q, err := harness.ParseQuorumtool(r.Stdout)
		if err != nil {
			t.Fatalf("%s: %v\n%s", h.Name, err, r)
		}
		if q.Nodes != nodes || !q.Quorate || len(q.Members) != nodes {
			t.Errorf("%s: want %d nodes, quorate; got %+v\n%s", h.Name, nodes, q, r.Stdout)
		}
		if !strings.Contains(r.Stdout, "Quorate:          Yes") {
			t.Errorf("%s: no \"Quorate: Yes\" line:\n%s", h.Name, r.Stdout)
		}
		local := 0
		for _, m := range q.Members {
			if m.Local {
				local++
				if m.NodeID != h.NodeID || m.Name != h.Name {
					t.Errorf("%s: local member is %+v", h.Name, m)
				}
			}
		}
		if local != 1 {
			t.Errorf("%s: %d local members in\n%s", h.Name, local, r.Stdout)
		}
	}
}

func testThreeNodeC(t *testing.T, cfg harness.Config) {
	tr := cfg.Transport
	c := harness.New(t, 3, cfg)
	start := time.Now()
	c.StartAll(harness.C)
	for _, h := range c.Hosts {
		h.WaitCmap(30 * time.Second)
	}
	conv := c.WaitQuorate(start, c.Hosts, 3, 60*time.Second)
	t.Logf("%s: 3 C nodes quorate on ring %s, %v after start", tr, conv.RingID, conv.Elapsed.Round(time.Millisecond))
	checkQuorumtool(t, c, 3)
	if cfg.Crypto {
		r := c.Host(1).MustRun("corosync-cmapctl", "-g", "totem.crypto_cipher")
		if !strings.Contains(r.Stdout, "= aes256") {
			t.Errorf("crypto on, but cmap says %q", r.Stdout)
		}
	}
}

func TestThreeNodeCUDPU(t *testing.T) { testThreeNodeC(t, fastTimers(harness.UDPU)) }

func TestThreeNodeCKnet(t *testing.T) { testThreeNodeC(t, fastTimers(harness.KNET)) }

func TestThreeNodeCKnetCrypto(t *testing.T) {
	cfg := fastTimers(harness.KNET)
	cfg.Crypto = true
	testThreeNodeC(t, cfg)
}

func TestThreeNodeCUDP(t *testing.T) { testThreeNodeC(t, fastTimers(harness.UDP)) }

// TestGeneratedConfigsAcceptedByC feeds the harness's configs to C
// corosync's own parser (`corosync -t`), including the negative control
// that proves -t rejects what C rejects.
func TestGeneratedConfigsAcceptedByC(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		cfg   harness.Config
		valid bool
	}{
		{"udpu-default", 3, harness.Config{}, true},
		{"udp-wfa", 3, harness.Config{Transport: harness.UDP, Quorum: harness.Quorum{WaitForAll: true}}, true},
		{"knet-crypto-timers", 3, harness.Config{Transport: harness.KNET, Crypto: true, Token: 1000, TokenCoefficient: 650,
			Consensus: 1200, Join: 60, Merge: 250, FailRecvConst: 2500, MaxMessages: 20, WindowSize: 60, Debug: true,
			Quorum: harness.Quorum{ExpectedVotes: 3, LastManStanding: true, LastManStandingWindow: 10000, AutoTieBreaker: true}}, true},
		{"two-node", 2, harness.Config{Transport: harness.KNET, Quorum: harness.Quorum{TwoNode: true}}, true},
		{"one-line-node-brace", 1, harness.Config{Template: "totem {\n\tversion: 2\n}\nnodelist {\n\tnode { name: node1\n\t\tnodeid: 1\n\t\tring0_addr: {{(index .Nodes 0).Addr}}\n\t}\n}\n"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := harness.New(t, tc.n, tc.cfg)
			r := c.Host(1).RunT(harness.CCorosync, "-t")
			if (r.ExitCode == 0) != tc.valid {
				t.Errorf("corosync -t: want valid=%v, got %s\nconfig:\n%s", tc.valid, r, c.ConfigText)
			}
		})
	}
}
