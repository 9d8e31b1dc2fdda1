package mon

import (
	"math"
	"strconv"
	"strings"
)

// The configuration keys mon reads are strings scanned with glibc's
// sscanf, which accepts a numeric prefix and ignores what follows. These
// give the same answers so a key that C accepts (or rejects) is accepted
// (or rejected) here too.

func isCSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// digitsPrefix splits s (after blanks and one sign) into sign, digits, ok.
func digitsPrefix(s string) (neg bool, digits string, ok bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return neg, s[i:j], j > i
}

// ScanU64 is sscanf(s, "%"PRIu64): strtoul semantics, so "-1" is
// 18446744073709551615 and an overflow saturates.
func ScanU64(s string) (uint64, bool) {
	neg, d, ok := digitsPrefix(s)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(d, 10, 64)
	if err != nil {
		v = math.MaxUint64
		return v, true // strtoul: ULONG_MAX, sign ignored
	}
	if neg {
		v = -v
	}
	return v, true
}

// ScanI32 is sscanf(s, "%"PRId32): glibc converts with strtol (64-bit,
// saturating) and stores the low 32 bits.
func ScanI32(s string) (int32, bool) {
	neg, d, ok := digitsPrefix(s)
	if !ok {
		return 0, false
	}
	if neg {
		d = "-" + d
	}
	v, err := strconv.ParseInt(d, 10, 64)
	if err != nil {
		if neg {
			v = math.MinInt64
		} else {
			v = math.MaxInt64
		}
	}
	return int32(v), true
}

// ScanDouble is sscanf(s, "%lf"): the longest prefix strtod reads
// (decimal, hexadecimal, inf, infinity, nan), after blanks.
func ScanDouble(s string) (float64, bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	s = s[i:]
	sign := ""
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	low := strings.ToLower(s)
	switch {
	case strings.HasPrefix(low, "infinity"), strings.HasPrefix(low, "inf"):
		if sign == "-" {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case strings.HasPrefix(low, "nan"):
		return math.NaN(), true
	}
	hex := strings.HasPrefix(low, "0x")
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	if hex {
		isDigit = func(c byte) bool {
			return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
		}
	}
	j := 0
	if hex {
		j = 2
	}
	start := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	n := j - start
	if j < len(s) && s[j] == '.' {
		j++
		k := j
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		n += j - k
	}
	if n == 0 {
		// glibc's scanf rejects "0x" without digits (strtod would read
		// the "0").
		return 0, false
	}
	mant := s[:j]
	exp := ""
	expChar := byte('e')
	if hex {
		expChar = 'p'
	}
	if j < len(s) && s[j]|0x20 == expChar {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		e := k
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > e {
			exp = s[j:k]
		}
	}
	if hex && exp == "" {
		exp = "p0"
	}
	v, err := strconv.ParseFloat(sign+mant+exp, 64)
	if err != nil && !isRange(err) {
		return 0, false
	}
	return v, true
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
