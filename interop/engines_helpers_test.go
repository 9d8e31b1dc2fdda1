//go:build interop

package interop

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/interop/harness"
)

// What the Debian tools print that depends on the node asked, the time or
// the ring generation; everything else must be the same on C and Go nodes.
var (
	reDateLine   = regexp.MustCompile(`(?m)^Date: .*\n`)
	reRingIDLine = regexp.MustCompile(`(?m)^Ring ID: .*\n`)
	reNodeIDLine = regexp.MustCompile(`(?m)^Node ID: .*\n`)
	reLocalNode  = regexp.MustCompile(`(?m)^Local node ID \d+,`)
	reAddrLine   = regexp.MustCompile(`(?m)^\taddr\t= .*\n`)
	reNodeBlock  = regexp.MustCompile(`(?m)^nodeid: (\d+) .*\n(?:   .*\n)*`)
)

// quorumtoolCommon is `corosync-quorumtool -s` without its node-local
// lines (date, node id, the "(local)" mark); keepRing keeps the ring id.
func quorumtoolCommon(out string, keepRing bool) string {
	out = reDateLine.ReplaceAllString(out, "")
	out = reNodeIDLine.ReplaceAllString(out, "")
	if !keepRing {
		out = reRingIDLine.ReplaceAllString(out, "")
	}
	return strings.ReplaceAll(out, " (local)", "")
}

// cfgtoolStatusCommon is `corosync-cfgtool -s` with the local node id and
// the link address line blanked; self's "localhost" status (checked
// first) reads as the others' "connected".
func cfgtoolStatusCommon(t *testing.T, h *harness.Host, out string) string {
	t.Helper()
	self := regexp.MustCompile(fmt.Sprintf(`(?m)^\t\tnodeid: +%d:\tlocalhost$`, h.NodeID))
	if !self.MatchString(out) {
		t.Errorf("%s: corosync-cfgtool -s does not say localhost for node %d:\n%s", h.Name, h.NodeID, out)
	}
	out = reLocalNode.ReplaceAllString(out, "Local node ID X,")
	out = reAddrLine.ReplaceAllString(out, "")
	return strings.ReplaceAll(out, "localhost", "connected")
}

// cfgtoolNodes splits `corosync-cfgtool -n` into its per-node blocks.
func cfgtoolNodes(out string) map[string]string {
	m := map[string]string{}
	for _, b := range reNodeBlock.FindAllStringSubmatch(out, -1) {
		m[b[1]] = b[0]
	}
	return m
}

func sortedKeys(m map[string]string) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

// quorumLinesSince returns the daemon's [QUORUM] lines from the last
// "Sync members[n]" on, without timestamps and without the lines that
// depend on the node's own history: the sync view's joined/left and the
// primary component line (printed when quorum is gained, which a node
// that already had two of three votes did earlier).
func quorumLinesSince(t *testing.T, h *harness.Host, n int) []string {
	t.Helper()
	b, err := os.ReadFile(h.Corosync().Out)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		i := strings.Index(l, "[QUORUM] ")
		if i < 0 {
			continue
		}
		l = l[i:]
		if strings.HasPrefix(l, fmt.Sprintf("[QUORUM] Sync members[%d]:", n)) {
			out = out[:0]
		}
		if strings.HasPrefix(l, "[QUORUM] Sync joined") || strings.HasPrefix(l, "[QUORUM] Sync left") ||
			strings.HasPrefix(l, "[QUORUM] This node is within") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// cmapKeyLine is one line of a corosync-cmapctl listing: key and type.
var cmapKeyLine = regexp.MustCompile(`(?m)^(\S+) (\(\w+\)) = `)

// cmapKeysCommon is the sorted "key (type)" set of a cmapctl listing.
func cmapKeysCommon(out string) []string {
	var keys []string
	for _, m := range cmapKeyLine.FindAllStringSubmatch(out, -1) {
		keys = append(keys, m[1]+" "+m[2])
	}
	sort.Strings(keys)
	return keys
}

// keyDiff is what only a has and what only b has.
func keyDiff(a, b []string) (onlyA, onlyB []string) {
	in := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range s {
			m[x] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	for _, x := range a {
		if !mb[x] {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !ma[x] {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}
