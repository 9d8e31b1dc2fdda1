package confparse

import (
	"math"
	"math/bits"
)

// C's isspace in the "C" locale; strtoll/strtoull skip these before digits.
func cSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// scanDigits mimics the shared front of strtoll/strtoull: blanks, one sign,
// decimal digits. It returns the magnitude, whether it overflowed uint64,
// the sign and whether anything after the digits remains.
func scanDigits(s string) (mag uint64, overflow, neg, ok bool) {
	i := 0
	for i < len(s) && cSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		hi, lo := bits.Mul64(mag, 10)
		lo2, carry := bits.Add64(lo, uint64(s[i]-'0'), 0)
		if hi != 0 || carry != 0 {
			overflow = true
		}
		mag = lo2
		i++
	}
	if i == start {
		return 0, false, false, false // endptr == str
	}
	return mag, overflow, neg, i == len(s)
}

// safeAtoq is coroparse.c's safe_atoq: strtoll(base 10), whole string, range.
func safeAtoq(s string, min, max int64) (int64, bool) {
	mag, overflow, neg, ok := scanDigits(s)
	if !ok || overflow {
		return 0, false
	}
	var v int64
	switch {
	case !neg && mag > math.MaxInt64, neg && mag > 1<<63:
		return 0, false // ERANGE
	case neg:
		v = int64(-mag) // two's complement covers -2^63
	default:
		v = int64(mag)
	}
	if v < min || v > max {
		return 0, false
	}
	return v, true
}

// strToULL is coroparse.c's str_to_ull. strtoull accepts a minus sign and
// negates in unsigned arithmetic, so "-1" is 18446744073709551615.
func strToULL(s string) (uint64, bool) {
	mag, overflow, neg, ok := scanDigits(s)
	if !ok || overflow {
		return 0, false
	}
	if neg {
		return -mag, true
	}
	return mag, true
}

// strtolID is uid_determine's numeric test: strtol accepting 0..UINT_MAX.
func strtolID(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	mag, overflow, neg, ok := scanDigits(s)
	if !ok || overflow {
		return 0, false
	}
	if neg {
		return 0, mag == 0 // "-0" is 0
	}
	if mag > math.MaxUint32 {
		return 0, false
	}
	return mag, true
}
