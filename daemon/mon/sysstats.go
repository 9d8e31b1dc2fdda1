package mon

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// MemInfo holds the /proc/meminfo lines libstatgrab reads, in kB.
type MemInfo struct {
	MemTotal, MemFree, Cached, SwapTotal, SwapFree int64
}

// ParseMemInfo reads /proc/meminfo text. Like libstatgrab it matches line
// prefixes ("Cached:" is not "SwapCached:") and skips lines it cannot read.
func ParseMemInfo(b []byte) (MemInfo, error) {
	var mi MemInfo
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "MemTotal:":
			mi.MemTotal, seen = v, seen|1
		case "MemFree:":
			mi.MemFree = v
		case "Cached:":
			mi.Cached = v
		case "SwapTotal:":
			mi.SwapTotal = v
		case "SwapFree:":
			mi.SwapFree = v
		}
	}
	if seen&1 == 0 {
		return mi, errors.New("no MemTotal in meminfo")
	}
	return mi, nil
}

// PercentUsed is mon.c's percent_mem_used_get: RAM and swap together,
// page cache counted as free (libstatgrab's Linux "free").
func (mi MemInfo) PercentUsed() (int32, error) {
	total := mi.MemTotal + mi.SwapTotal
	free := mi.MemFree + mi.Cached + mi.SwapFree
	if total <= 0 {
		return -1, errors.New("total memory is 0")
	}
	return int32((total - free) * 100 / total), nil
}

// MemoryUsed reads /proc/meminfo.
func MemoryUsed() (int32, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return -1, err
	}
	mi, err := ParseMemInfo(b)
	if err != nil {
		return -1, err
	}
	return mi.PercentUsed()
}

// ParseLoadAvg returns the third field of /proc/loadavg (getloadavg's
// 15-minute average).
func ParseLoadAvg(b []byte) (float64, error) {
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return -1, fmt.Errorf("loadavg: %d fields", len(f))
	}
	v, err := strconv.ParseFloat(f[2], 64)
	if err != nil {
		return -1, fmt.Errorf("loadavg: %w", err)
	}
	return v, nil
}

// Load15 reads /proc/loadavg.
func Load15() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1, err
	}
	return ParseLoadAvg(b)
}
