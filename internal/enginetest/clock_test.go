package enginetest

import (
	"slices"
	"testing"
	"time"
)

func TestClockFiresInOrderAndStops(t *testing.T) {
	var c Clock
	var got []string
	c.AfterFunc(2*time.Second, func() { got = append(got, "b") })
	c.AfterFunc(time.Second, func() {
		got = append(got, "a")
		c.AfterFunc(500*time.Millisecond, func() { got = append(got, "a2") })
	})
	stop := c.AfterFunc(3*time.Second, func() { got = append(got, "c") })
	if p := c.Pending(); !slices.Equal(p, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}) {
		t.Errorf("pending %v", p)
	}
	c.Advance(2500 * time.Millisecond)
	if !stop() || stop() {
		t.Error("stop must report a live timer once")
	}
	c.Advance(time.Hour)
	if !slices.Equal(got, []string{"a", "a2", "b"}) {
		t.Errorf("fired %v", got)
	}
	if n := c.Nanos(); n != uint64(time.Hour+2500*time.Millisecond+time.Second) {
		t.Errorf("Nanos %d", n)
	}
}
