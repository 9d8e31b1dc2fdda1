package harness

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Prefix starts every name the harness gives to a namespace, bridge or veth.
const Prefix = "gi"

// pidWidth fits PIDs up to 36^5-1 (> the kernel's maximum pid_max 2^22).
const pidWidth = 5

// Prefixes are the name prefixes a Config.NamePrefix may choose (one per
// engineer running interop tests side by side); the sweeper knows them all.
var Prefixes = []string{Prefix, "gr", "gf", "gv"}

// nameRE matches our names; group 1 is the cluster tag (prefix+pid+random),
// group 2 the creating PID in base 36.
var nameRE = regexp.MustCompile(`^((?:` + strings.Join(Prefixes, "|") + `)([0-9a-z]{5})[0-9a-z]{2})[nbv][0-9]+$`)

// newTag returns "gi" + PID + two random chars, unique among the names in
// taken.
func newTag(taken func(tag string) bool) string { return newTagWith(Prefix, taken) }

// newTagWith is newTag with another of Prefixes.
func newTagWith(prefix string, taken func(tag string) bool) string {
	pid := strconv.FormatInt(int64(os.Getpid()), 36)
	pid = strings.Repeat("0", pidWidth-len(pid)) + pid
	for {
		r := strconv.FormatInt(int64(rand.IntN(36*36)), 36)
		if len(r) < 2 {
			r = "0" + r
		}
		tag := prefix + pid + r
		if !taken(tag) {
			return tag
		}
	}
}

func nsName(tag string, i int) string   { return fmt.Sprintf("%sn%d", tag, i) }
func vethName(tag string, i int) string { return fmt.Sprintf("%sv%d", tag, i) }
func bridgeName(tag string) string      { return tag + "b0" }
func tagOf(name string) (tag string, pid int, ok bool) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return "", 0, false
	}
	p, err := strconv.ParseInt(m[2], 36, 64)
	if err != nil {
		return "", 0, false
	}
	return m[1], int(p), true
}
