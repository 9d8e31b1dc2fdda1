//go:build interop

package interop

import (
	"fmt"
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
