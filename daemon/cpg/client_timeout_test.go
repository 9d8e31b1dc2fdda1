package cpg

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

// A timeout that has run out by the time NextEvent polls must still be a
// timeout, not ipc's "wait while the server lives" (negative). cmd/cpgcheck
// polls with 1 ms once it stops sending: a checker descheduled for that
// millisecond slept until the next event, and if every checker of the ring
// did so, none finalized, so no event (leave) ever came to wake them.
func TestNextEventElapsedTimeout(t *testing.T) {
	l := newLoopback(t)
	a := l.dial(t, 100, 0)
	if err := a.Join("g"); err != nil {
		t.Fatal(err)
	}
	want(t, a, "confchg g m[7:100] l[] j[7:100/1]")
	done := make(chan error, 1)
	go func() {
		_, err := a.NextEvent(time.Nanosecond)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, syscall.ETIMEDOUT) {
			t.Fatalf("NextEvent(1ns) with no event: %v, want ETIMEDOUT", err)
		}
		return
	case <-time.After(2 * time.Second):
		t.Errorf("NextEvent(1ns) with no event still waiting after 2 s")
	}
	// Free the waiter with an event, so the test ends.
	b := l.dial(t, 101, 0)
	if err := b.Join("g"); err != nil {
		t.Fatal(err)
	}
	<-done
}
