package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"time"
)

// LogMembership is one "A new membership (R.S) was formed" line of a
// corosync logfile.
type LogMembership struct {
	At     time.Time
	RingID string
}

// The logfile uses `timestamp: hires`: "Nov 25 01:43:17.638 [pid] host ...".
var membershipRE = regexp.MustCompile(`^(\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}) .*A new membership \(([0-9a-f]+\.[0-9a-f]+)\) was formed`)

// ParseMemberships extracts the membership lines of a corosync log. The
// log has no year; the current year is assumed.
func ParseMemberships(log []byte, loc *time.Location, year int) []LogMembership {
	var out []LogMembership
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := membershipRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		at, err := time.ParseInLocation("Jan _2 15:04:05.000", m[1], loc)
		if err != nil {
			continue
		}
		out = append(out, LogMembership{At: at.AddDate(year-at.Year(), 0, 0), RingID: m[2]})
	}
	return out
}

// Memberships reads the host's corosync logfile (see LogFile).
func (h *Host) Memberships() ([]LogMembership, error) {
	b, err := os.ReadFile(h.Path("log", "corosync.log"))
	if err != nil {
		return nil, err
	}
	return ParseMemberships(b, time.Local, time.Now().Year()), nil
}

// RingFormedAt returns the latest instant at which one of hosts logged that
// it formed ring ringID: from then on all of them were in it. This is the
// daemons' own view, free of the polling delay of WaitConverged.
func (c *Cluster) RingFormedAt(hosts []*Host, ringID string) (time.Time, error) {
	var last time.Time
	for _, h := range hosts {
		ms, err := h.Memberships()
		if err != nil {
			return time.Time{}, err
		}
		var at time.Time
		for _, m := range ms {
			if m.RingID == ringID {
				at = m.At
			}
		}
		if at.IsZero() {
			return time.Time{}, fmt.Errorf("%s: no \"A new membership (%s) was formed\" in its log", h.Name, ringID)
		}
		if at.After(last) {
			last = at
		}
	}
	return last, nil
}
