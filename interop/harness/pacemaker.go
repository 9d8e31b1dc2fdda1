package harness

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// PacemakerLog is where Pacemaker logs, as seen from inside a host.
const PacemakerLog = "/var/log/pacemaker/pacemaker.log"

// StartPacemaker starts `pacemakerd -f` on the host. Corosync should be
// running there already.
func (h *Host) StartPacemaker() *Daemon {
	t := h.c.t
	t.Helper()
	if h.pacemaker != nil && !h.pacemaker.Exited() {
		t.Fatalf("harness: pacemaker already running on %s", h.Name)
	}
	d, err := h.startDaemon("pacemakerd", h.Path("pacemakerd.out"), []string{"pacemakerd", "-f"},
		[]string{"PCMK_logfile=" + PacemakerLog})
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	h.pacemaker = d
	return d
}

// StopPacemaker sends SIGTERM to pacemakerd, which stops its subdaemons.
func (h *Host) StopPacemaker() {
	h.c.t.Helper()
	h.stop(h.pacemaker)
}

// Pacemaker returns the host's pacemakerd process (nil if never started).
func (h *Host) Pacemaker() *Daemon { return h.pacemaker }

// CrmMon is the part of `crm_mon -1` the tests look at.
type CrmMon struct {
	Online []string // sorted node names from "Online: [ ... ]"
	DC     string   // "Current DC: NAME" (empty while there is none)
	Quorum bool     // "partition with quorum"
	Raw    string
}

var (
	onlineRE = regexp.MustCompile(`(?m)^\s*(?:\* )?Online: \[ (.*) \]`)
	dcRE     = regexp.MustCompile(`(?m)Current DC: (\S+)`)
)

// ParseCrmMon extracts node state from `crm_mon -1` text.
func ParseCrmMon(out string) CrmMon {
	m := CrmMon{Raw: out, Quorum: strings.Contains(out, "partition with quorum")}
	if s := onlineRE.FindStringSubmatch(out); s != nil {
		m.Online = strings.Fields(s[1])
		slices.Sort(m.Online)
	}
	if s := dcRE.FindStringSubmatch(out); s != nil && s[1] != "NONE" {
		m.DC = s[1]
	}
	return m
}

// WaitPacemaker polls `crm_mon -1` on every host until each shows exactly
// the given nodes online and "partition with quorum". It returns the time it
// took and fails the test on timeout.
func (c *Cluster) WaitPacemaker(hosts []*Host, online []string, timeout time.Duration) time.Duration {
	c.t.Helper()
	want := slices.Clone(online)
	slices.Sort(want)
	start := time.Now()
	deadline := start.Add(timeout)
	last := make([]string, len(hosts))
	for {
		ok := true
		for i, h := range hosts {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			r, err := h.Run(ctx, "crm_mon", "-1")
			cancel()
			if err != nil {
				last[i], ok = err.Error(), false
				continue
			}
			last[i] = r.Stdout + r.Stderr
			m := ParseCrmMon(r.Stdout)
			if r.ExitCode != 0 || !m.Quorum || !slices.Equal(m.Online, want) {
				ok = false
			}
		}
		if ok {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for i, h := range hosts {
				fmt.Fprintf(&b, "--- %s crm_mon -1:\n%s\n", h.Name, last[i])
			}
			c.t.Fatalf("harness: pacemaker: not all of %v online with quorum after %v:\n%s", want, timeout, b.String())
		}
		time.Sleep(time.Second)
	}
}
