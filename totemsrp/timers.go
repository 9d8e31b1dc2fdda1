package totemsrp

import "time"

// timerID names the qb_loop timers of a totemsrp instance. The order is the
// tie-break when several expire at the same instant, which keeps runs
// deterministic.
type timerID int

const (
	timerOrfTokenTimeout timerID = iota
	timerOrfTokenWarning
	timerOrfTokenRetransmit
	timerOrfTokenHoldRetransmit
	timerMergeDetect
	timerGatherJoin
	timerGatherConsensus
	timerHeartbeat
	timerSendJoin
	numTimers
)

type timer struct {
	active   bool
	deadline time.Duration
}

type timers [numTimers]timer

func (t *timers) start(id timerID, now, after time.Duration) {
	t[id] = timer{active: true, deadline: now + after}
}

func (t *timers) cancel(id timerID) { t[id].active = false }

// next returns the earliest active timer due at or before now.
func (t *timers) next(now time.Duration) (timerID, bool) {
	best, found := timerID(0), false
	for id := range t {
		tm := t[id]
		if !tm.active || tm.deadline > now {
			continue
		}
		if !found || tm.deadline < t[best].deadline {
			best, found = timerID(id), true
		}
	}
	return best, found
}

// earliest returns the next deadline of any active timer.
func (t *timers) earliest() (time.Duration, bool) {
	var d time.Duration
	found := false
	for _, tm := range t {
		if tm.active && (!found || tm.deadline < d) {
			d, found = tm.deadline, true
		}
	}
	return d, found
}
