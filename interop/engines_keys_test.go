//go:build interop

package interop

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// ipcConnKey is the per-connection part of stats.ipcs keys, C's
// "<service>.<pid>.<connection pointer>": node-local, normalised away.
var ipcConnKey = regexp.MustCompile(`^(stats\.ipcs\.service\d+)\.\d+\.0x[0-9a-f]+\.`)

// notOnGo are keys Debian's corosync has and ours does not yet, each for a
// part we lack; a C node may have them, every other difference fails.
var notOnGo = []struct {
	re  *regexp.Regexp
	why string
}{}

// compareCmapKeys: corosync-cmapctl's full listing and its -m stats
// listing have the same keys and types on a C and a Go node, after the
// per-connection part of stats.ipcs keys is normalised and apart from
// notOnGo.
func compareCmapKeys(t *testing.T, cNode, goNode *harness.Host) {
	t.Helper()
	norm := func(keys []string) []string {
		for i, k := range keys {
			keys[i] = ipcConnKey.ReplaceAllString(k, "${1}.CONN.")
		}
		return keys
	}
	for _, argv := range [][]string{{"corosync-cmapctl"}, {"corosync-cmapctl", "-m", "stats"}} {
		kc := norm(cmapKeysCommon(cNode.MustRun(argv...).Stdout))
		kg := norm(cmapKeysCommon(goNode.MustRun(argv...).Stdout))
		onlyC, onlyGo := keyDiff(kc, kg)
		known := map[string]int{}
		var unexplained []string
	next:
		for _, k := range onlyC {
			for _, x := range notOnGo {
				if x.re.MatchString(k) {
					known[x.why]++
					continue next
				}
			}
			unexplained = append(unexplained, k)
		}
		onlyC = unexplained
		var gaps []string
		for _, x := range notOnGo {
			if n := known[x.why]; n > 0 {
				gaps = append(gaps, fmt.Sprintf("%d keys of %s", n, x.why))
			}
		}
		if len(onlyC)+len(onlyGo) > 0 {
			t.Errorf("%s: keys differ.\nonly on C %s:\n%s\nonly on Go %s:\n%s", strings.Join(argv, " "),
				cNode.Name, strings.Join(onlyC, "\n"), goNode.Name, strings.Join(onlyGo, "\n"))
		} else {
			t.Logf("%s: the same %d keys on C and Go; C alone has %s", strings.Join(argv, " "), len(kg), strings.Join(gaps, ", "))
		}
	}
}

// compareVoteChanges: corosync-quorumtool -e and -v answer the same on a C
// and a Go node, and -s/-l read the same on both afterwards.
func compareVoteChanges(t *testing.T, c *harness.Cluster, cNode, goNode *harness.Host) {
	t.Helper()
	for _, argv := range [][]string{{"corosync-quorumtool", "-e", "4"}, {"corosync-quorumtool", "-v", "2", "-n", "3"}} {
		// Go first: what the C node answers is then a repeat on both.
		rg, rc := goNode.RunT(argv...), cNode.RunT(argv...)
		if rg.String() != rc.String() {
			t.Errorf("%s answers differently.\nC %s:\n%s\nGo %s:\n%s", strings.Join(argv, " "), cNode.Name, rc, goNode.Name, rg)
		} else {
			t.Logf("%s, same on C and Go: %s", strings.Join(argv, " "), strings.TrimSpace(rg.String()))
		}
	}
	// Every node's votequorum must show node3's 2 votes before comparing.
	var outs map[string]string
	for deadline := time.Now().Add(10 * time.Second); ; {
		outs = map[string]string{}
		done := true
		for _, h := range c.Hosts {
			out := h.RunT("corosync-quorumtool", "-s").Stdout
			outs[h.Name] = quorumtoolCommon(out, true)
			done = done && strings.Contains(out, "Total votes:      4\n")
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, h := range c.Hosts {
		if outs[h.Name] != outs[cNode.Name] {
			t.Errorf("corosync-quorumtool -s after -e/-v differs.\nC %s:\n%s\n%s:\n%s", cNode.Name, outs[cNode.Name], h.Name, outs[h.Name])
		}
	}
	if !strings.Contains(outs[goNode.Name], "Total votes:      4\n") {
		t.Errorf("%s: node3's 2 votes not counted:\n%s", goNode.Name, outs[goNode.Name])
	}
	t.Logf("corosync-quorumtool -s after -e 4 and -v 2 -n 3, same on all nodes (date, node id, (local) removed):\n%s", outs[goNode.Name])
	lC := quorumtoolCommon(cNode.MustRun("corosync-quorumtool", "-l").Stdout, true)
	lGo := quorumtoolCommon(goNode.MustRun("corosync-quorumtool", "-l").Stdout, true)
	if lC != lGo {
		t.Errorf("corosync-quorumtool -l after -e/-v differs.\nC:\n%s\nGo:\n%s", lC, lGo)
	}
}
