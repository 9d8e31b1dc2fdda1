package wd

import "golang.org/x/sys/unix"

// monotonicNow is cs_timestamp_get: CLOCK_MONOTONIC in nanoseconds.
func monotonicNow() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
}
