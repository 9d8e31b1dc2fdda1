package mon

import (
	"math"
	"strconv"
	"testing"
)

// The expected values are what glibc's sscanf stores (checked with a C
// program against Debian 12's libc).
func TestScanU64(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"3000", 3000, true}, {"  \t42xyz", 42, true}, {"+7", 7, true},
		{"-1", math.MaxUint64, true}, {"99999999999999999999999", math.MaxUint64, true},
		{"", 0, false}, {"abc", 0, false}, {"-", 0, false}, {" ", 0, false},
	} {
		got, ok := ScanU64(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ScanU64(%q) = %d,%v want %d,%v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestScanI32(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int32
		ok   bool
	}{
		{"80", 80, true}, {"-5%", -5, true}, {"2147483648", math.MinInt32, true},
		{"99999999999999999999", -1, true}, {"4294967297", 1, true},
		{"x1", 0, false}, {"", 0, false},
	} {
		got, ok := ScanI32(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ScanI32(%q) = %d,%v want %d,%v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestScanDouble(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1.5", 1.5, true}, {" 2", 2, true}, {"1e3x", 1000, true}, {"1e", 1, true},
		{".5", 0.5, true}, {"5.", 5, true}, {"-0.25", -0.25, true}, {"0x10", 16, true},
		{"0x1.8p1", 3, true}, {"0x", 0, false}, {"0x.8", 0.5, true}, {"0xp3", 0, false}, {"1e+", 1, true}, {"0x1p", 1, true}, {"1e999", math.Inf(1), true},
		{"INF", math.Inf(1), true}, {"-infinity", math.Inf(-1), true},
		{".", 0, false}, {"e5", 0, false}, {"", 0, false}, {"+", 0, false},
	} {
		got, ok := ScanDouble(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ScanDouble(%q) = %v,%v want %v,%v", c.in, got, ok, c.want, c.ok)
		}
	}
	if v, ok := ScanDouble("nan"); !ok || !math.IsNaN(v) {
		t.Errorf("nan: %v %v", v, ok)
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"3000", "-1", "0x1p-3", "1e", " +.5e-3", "inf", "nan(12)", "\v9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, okU := ScanU64(s)
		i, okI := ScanI32(s)
		d, okD := ScanDouble(s)
		// A decimal integer prefix is read the same way by all three.
		if okU != okI {
			t.Fatalf("%q: u64 ok %v, i32 ok %v", s, okU, okI)
		}
		if okU && !okD && !isHexOrExp(s) {
			t.Fatalf("%q: integer but not double", s)
		}
		if okU && u < 1<<31 && int64(i) >= 0 && uint64(i) != u {
			t.Fatalf("%q: u64 %d i32 %d", s, u, i)
		}
		if okU && u < 1<<53 && int64(i) >= 0 && d != float64(u) && d == math.Trunc(d) && !isHexOrExp(s) {
			t.Fatalf("%q: u64 %d double %v", s, u, d)
		}
		if okU {
			// What the integer scanners read is a plain decimal number.
			if _, err := strconv.ParseUint(strconv.FormatUint(u, 10), 10, 64); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// isHexOrExp: strtod reads more of these than %lu does.
func isHexOrExp(s string) bool {
	for _, c := range s {
		if c == 'x' || c == 'X' || c == 'e' || c == 'E' || c == '.' || c == 'p' || c == 'P' {
			return true
		}
	}
	return false
}
