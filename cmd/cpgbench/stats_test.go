package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	cases := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{ms(4, 1, 3, 2), 99, 4 * time.Millisecond},
		{ms(4, 1, 3, 2), 100, 4 * time.Millisecond},
		{ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 90, 9 * time.Millisecond},
		{ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 10, 1 * time.Millisecond},
	}
	for _, c := range cases {
		if got := Percentile(c.in, c.p); got != c.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", c.in, c.p, got, c.want)
		}
	}
}

func TestRatio(t *testing.T) {
	if got := Ratio(3, 2); got != 1.5 {
		t.Errorf("Ratio(3, 2) = %v", got)
	}
	if got := Ratio(1, 0); !math.IsNaN(got) {
		t.Errorf("Ratio(1, 0) = %v, want NaN", got)
	}
	if got := fmtRatio(Ratio(1, 0)); got != "n/a" {
		t.Errorf("fmtRatio(NaN) = %q", got)
	}
}

func TestTable(t *testing.T) {
	res := []Result{
		{Ring: "C", Size: 100, Senders: 1, MsgsPerSec: 1000, MBPerSec: 0.1, P50: time.Millisecond, P99: 4 * time.Millisecond, RSSMaxKB: 10240, CPUSec: 2, CPUPerMsg: 10 * time.Microsecond},
		{Ring: "Go", Size: 100, Senders: 1, MsgsPerSec: 500, MBPerSec: 0.05, P50: 2 * time.Millisecond, P99: 2 * time.Millisecond, RSSMaxKB: 20480, CPUSec: 3, CPUPerMsg: 40 * time.Microsecond},
		{Ring: "C", Size: 1000, Senders: 3, MsgsPerSec: 10, P50: time.Millisecond, P99: time.Millisecond, RSSMaxKB: 1, CPUSec: 1},
		{Ring: "Go", Size: 1000, Senders: 3, MsgsPerSec: 99, Err: "client lost"},
	}
	got := Table(res)
	for _, want := range []string{
		"| C | 100 | 1 | 1000 | 0.10 | 1.00 | 4.00 | 10.0 | 2.00 | 10.0 | 0.00 |",
		"| Go | 100 | 1 | 500 | 0.05 | 2.00 | 2.00 | 20.0 | 3.00 | 40.0 | 0.00 |",
		// Go/C: msgs 0.5, p50 2, p99 0.5, RSS 2, CPU 1.5, CPU/delivery 4; no mixed ring.
		"| 100 | 1 | 0.50 | 2.00 | 0.50 | 2.00 | 1.50 | 4.00 | n/a | n/a |",
		"| Go | 1000 | 3 | FAILED | | | | | | | |",
		// The Go cell failed: every ratio is n/a, not 0 or Inf.: every ratio is n/a, not 0 or Inf.
		"| 1000 | 3 | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestMedian(t *testing.T) {
	res := []Result{
		{Ring: "C", Size: 100, Senders: 1, MsgsPerSec: 30},
		{Ring: "Go", Size: 100, Senders: 1, Err: "lost"},
		{Ring: "C", Size: 100, Senders: 1, MsgsPerSec: 10},
		{Ring: "Go", Size: 100, Senders: 1, MsgsPerSec: 7},
		{Ring: "C", Size: 100, Senders: 1, MsgsPerSec: 20},
		{Ring: "Go", Size: 1024, Senders: 3, Err: "lost"},
	}
	got := Median(res)
	if len(got) != 3 {
		t.Fatalf("Median gave %d results: %+v", len(got), got)
	}
	if g := got[0]; g.Ring != "C" || g.MsgsPerSec != 20 || g.Runs != 3 || g.Failed != 0 {
		t.Errorf("C 100/1: %+v, want the 20 msgs/s run of 3", g)
	}
	if g := got[1]; g.Ring != "Go" || g.MsgsPerSec != 7 || g.Runs != 2 || g.Failed != 1 {
		t.Errorf("Go 100/1: %+v, want the one good run of 2, 1 failed", g)
	}
	if g := got[2]; g.Err == "" {
		t.Errorf("Go 1024/3: %+v, want the failure kept", g)
	}
}
