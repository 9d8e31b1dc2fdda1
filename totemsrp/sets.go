package totemsrp

import "slices"

// The memb_set_* helpers of totemsrp.c. Lists keep C's insertion order,
// because that order is what JOIN messages carry on the wire.

func setHas(set []uint32, n uint32) bool { return slices.Contains(set, n) }

// setSubtract is memb_set_subtract: one minus two, in one's order.
func setSubtract(one, two []uint32) []uint32 {
	out := make([]uint32, 0, len(one))
	for _, n := range one {
		if !setHas(two, n) {
			out = append(out, n)
		}
	}
	return out
}

// setEqual is memb_set_equal (order does not matter; C compares counts first).
func setEqual(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for _, n := range b {
		if !setHas(a, n) {
			return false
		}
	}
	return true
}

// setSubset is memb_set_subset: every element of sub is in full.
func setSubset(sub, full []uint32) bool {
	if len(sub) > len(full) {
		return false
	}
	for _, n := range sub {
		if !setHas(full, n) {
			return false
		}
	}
	return true
}

// setMerge is memb_set_merge: append the members of sub that full lacks.
func setMerge(full []uint32, sub ...uint32) []uint32 {
	for _, n := range sub {
		if !setHas(full, n) {
			full = append(full, n)
		}
	}
	return full
}
