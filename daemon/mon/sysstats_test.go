package mon

import (
	"math"
	"testing"
)

const meminfo = `MemTotal:       24570324 kB
MemFree:        18101452 kB
MemAvailable:   22350744 kB
Buffers:          180504 kB
Cached:          3967568 kB
SwapCached:        12345 kB
Active:          2741436 kB
SwapTotal:       1000000 kB
SwapFree:         500000 kB
HugePages_Total:       0
`

func TestPercentUsed(t *testing.T) {
	mi, err := ParseMemInfo([]byte(meminfo))
	if err != nil {
		t.Fatal(err)
	}
	if mi.Cached != 3967568 {
		t.Errorf("Cached %d (SwapCached must not match)", mi.Cached)
	}
	// (24570324+1000000 - (18101452+3967568+500000)) * 100 / 25570324
	got, err := mi.PercentUsed()
	if err != nil || got != 11 {
		t.Errorf("PercentUsed = %d, %v", got, err)
	}
	if _, err := ParseMemInfo([]byte("MemFree: 1 kB\n")); err == nil {
		t.Error("meminfo without MemTotal accepted")
	}
	if _, err := (MemInfo{}).PercentUsed(); err == nil {
		t.Error("zero total accepted")
	}
}

func TestSystemReadings(t *testing.T) {
	m, err := MemoryUsed()
	if err != nil || m < 0 || m > 100 {
		t.Errorf("MemoryUsed = %d, %v", m, err)
	}
	l, err := Load15()
	if err != nil || l < 0 || math.IsNaN(l) {
		t.Errorf("Load15 = %v, %v", l, err)
	}
	if v, err := ParseLoadAvg([]byte("0.52 0.58 0.59 1/389 12345\n")); err != nil || v != 0.59 {
		t.Errorf("ParseLoadAvg = %v, %v", v, err)
	}
	if _, err := ParseLoadAvg([]byte("0.5 x")); err == nil {
		t.Error("short loadavg accepted")
	}
}

func FuzzParseMemInfo(f *testing.F) {
	f.Add([]byte(meminfo))
	f.Add([]byte("MemTotal: -5 kB\nSwapTotal: 5 kB\n"))
	f.Add([]byte("0.52 0.58 0.59 1/389 12345\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if mi, err := ParseMemInfo(b); err == nil {
			if p, err := mi.PercentUsed(); err != nil && p != -1 {
				t.Fatalf("error with value %d", p)
			}
		}
		if v, err := ParseLoadAvg(b); err != nil && v != -1 {
			t.Fatalf("error with value %v", v)
		}
	})
}
