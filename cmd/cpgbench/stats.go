package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of samples by the
// nearest-rank method, so the value is one that was actually observed. It
// sorts samples in place; zero when there are none.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	slices.Sort(samples)
	rank := int(math.Ceil(p / 100 * float64(len(samples))))
	rank = min(max(rank, 1), len(samples))
	return samples[rank-1]
}

// Ratio is a/b, NaN when b is zero so a missing baseline shows as "n/a"
// instead of a misleading number.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// Result is one cell's outcome: one ring, one message size, one sender
// count.
type Result struct {
	Ring    string // "C", "Go", "mixed"
	Size    int    // payload bytes per message
	Senders int

	MsgsPerSec float64 // mean over nodes of messages delivered per second
	MBPerSec   float64 // the same in payload MB (1e6 bytes)
	P50, P99   time.Duration
	RSSMaxKB   int64         // largest VmRSS of any daemon of the ring during the cell
	CPUSec     float64       // user+system seconds of all the ring's daemons during the cell
	CPUPerMsg  time.Duration // CPUSec over every delivery on every node
	// CtxSwitches are the daemons' context switches in the cell (every
	// thread); CtxPerMsg divides them by every delivery on every node.
	CtxSwitches uint64
	CtxPerMsg   float64
	// Runs and Failed count the repetitions of the cell (-repeat) Median
	// chose this one from, and how many of them failed.
	Runs, Failed int
	Retries      uint64   // CS_ERR_TRY_AGAIN answers the senders got (flow control)
	Sent         []uint64 // messages each node's client sent, node 1 first
	Err          string   // why the cell failed; its figures are then meaningless
}

func (r Result) key() string { return fmt.Sprintf("%d/%d", r.Size, r.Senders) }

func fmtRatio(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

// Table renders results as two Markdown tables: every cell's figures, then
// the Go/C (and mixed/C) ratios of each size and sender count that both the
// C and the Go ring ran.
func Table(results []Result) string {
	var b strings.Builder
	b.WriteString("| ring | size B | senders | msgs/s | MB/s | p50 ms | p99 ms | RSS max MiB | CPU s | CPU µs/delivery | context switches/delivery |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(&b, "| %s | %d | %d | FAILED | | | | | | | |\n", r.Ring, r.Size, r.Senders)
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f | %.2f | %s | %s | %.1f | %.2f | %.1f | %.2f |\n",
			r.Ring, r.Size, r.Senders, r.MsgsPerSec, r.MBPerSec, fmtDur(r.P50), fmtDur(r.P99),
			float64(r.RSSMaxKB)/1024, r.CPUSec, float64(r.CPUPerMsg)/float64(time.Microsecond), r.CtxPerMsg)
	}
	byRing := map[string]map[string]Result{}
	var keys []string
	for _, r := range results {
		if r.Err != "" {
			continue
		}
		if byRing[r.Ring] == nil {
			byRing[r.Ring] = map[string]Result{}
		}
		byRing[r.Ring][r.key()] = r
		if r.Ring == "C" {
			keys = append(keys, r.key())
		}
	}
	b.WriteString("\n| size B | senders | Go/C msgs/s | Go/C p50 | Go/C p99 | Go/C RSS | Go/C CPU | Go/C CPU/delivery | mixed/C msgs/s | mixed/C p99 |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, k := range keys {
		c := byRing["C"][k]
		g, okG := byRing["Go"][k]
		m, okM := byRing["mixed"][k]
		cols := []string{"n/a", "n/a", "n/a", "n/a", "n/a", "n/a"}
		if okG {
			cols = []string{
				fmtRatio(Ratio(g.MsgsPerSec, c.MsgsPerSec)),
				fmtRatio(Ratio(float64(g.P50), float64(c.P50))),
				fmtRatio(Ratio(float64(g.P99), float64(c.P99))),
				fmtRatio(Ratio(float64(g.RSSMaxKB), float64(c.RSSMaxKB))),
				fmtRatio(Ratio(g.CPUSec, c.CPUSec)),
				fmtRatio(Ratio(float64(g.CPUPerMsg), float64(c.CPUPerMsg))),
			}
		}
		mix := []string{"n/a", "n/a"}
		if okM {
			mix = []string{
				fmtRatio(Ratio(m.MsgsPerSec, c.MsgsPerSec)),
				fmtRatio(Ratio(float64(m.P99), float64(c.P99))),
			}
		}
		fmt.Fprintf(&b, "| %d | %d | %s | %s |\n", c.Size, c.Senders, strings.Join(cols, " | "), strings.Join(mix, " | "))
	}
	return b.String()
}

// Median keeps, of the runs of each ring and cell, the one with the median
// msgs/s (the lower middle of an even count), in the order the cells were
// first seen. Failed runs are kept only when every run of the cell failed,
// and a failure is reported in Failed of the survivor.
func Median(results []Result) []Result {
	type group struct {
		ok, bad []Result
	}
	groups := map[string]*group{}
	var order []string
	for _, r := range results {
		k := r.Ring + "/" + r.key()
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		if r.Err != "" {
			g.bad = append(g.bad, r)
		} else {
			g.ok = append(g.ok, r)
		}
	}
	var out []Result
	for _, k := range order {
		g := groups[k]
		if len(g.ok) == 0 {
			out = append(out, g.bad[0])
			continue
		}
		slices.SortFunc(g.ok, func(a, b Result) int { return cmp.Compare(a.MsgsPerSec, b.MsgsPerSec) })
		m := g.ok[(len(g.ok)-1)/2]
		m.Runs, m.Failed = len(g.ok)+len(g.bad), len(g.bad)
		out = append(out, m)
	}
	return out
}
