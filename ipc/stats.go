package ipc

import "sync/atomic"

// ConnStats is one connection's statistics: libqb's struct
// qb_ipcs_connection_stats (requests … flow_control_count) plus the
// counters corosync keeps in its per-connection context (struct
// cs_ipcs_conn_context in ipc_glue.c: invalid_request, overload, and the
// event queue's queuing/queued/sent).
type ConnStats struct {
	Requests    uint64 // requests read from the client (disconnects excluded)
	Responses   uint64 // responses sent
	Events      uint64 // events written to the client's event channel
	SendRetries uint64 // response or event sends that found the channel full
	RecvRetries uint64 // request notifications with no request behind them yet
	// FlowControlState is the level last set with SetFlowControl (0, 1 or
	// 2) and FlowControlCount how often it changed; a clear zeroes both,
	// as libqb's clear_after_read does, until the level next changes.
	FlowControlState int32
	FlowControlCount uint64
	InvalidRequest   uint64 // requests with an unknown id
	Overload         uint64 // flow-controlled requests that arrived while busy
	// Sent counts events since the event queue last drained (corosync
	// resets it then), Queued is the queue's length and Queuing whether
	// events are being queued at all.
	Sent    uint32
	Queued  uint32
	Queuing bool
}

// connCounters are the live counters. Each is written by one goroutine at
// a time (the connection's, or a writer under respMu/evMu) and read by
// anyone, so atomics and no lock: they sit on the CPG hot path.
type connCounters struct {
	requests, responses, events atomic.Uint64
	sendRetries, recvRetries    atomic.Uint64
	fcState                     atomic.Int32
	fcCount                     atomic.Uint64
	invalidRequest, overload    atomic.Uint64
	sent, queued                atomic.Uint32
	queuing                     atomic.Bool
	// fcLevel is the level the request channel holds (libqb's
	// fc_enabled), under respMu.
	fcLevel int32
}

// Stats returns a snapshot of the connection's counters.
func (c *Conn) Stats() ConnStats {
	s := &c.st
	return ConnStats{
		Requests:         s.requests.Load(),
		Responses:        s.responses.Load(),
		Events:           s.events.Load(),
		SendRetries:      s.sendRetries.Load(),
		RecvRetries:      s.recvRetries.Load(),
		FlowControlState: s.fcState.Load(),
		FlowControlCount: s.fcCount.Load(),
		InvalidRequest:   s.invalidRequest.Load(),
		Overload:         s.overload.Load(),
		Sent:             s.sent.Load(),
		Queued:           s.queued.Load(),
		Queuing:          s.queuing.Load(),
	}
}

// ClearStats is cs_ipcs_clear_stats for one connection: libqb's counters
// (flow-control state included) and corosync's invalid_request, overload
// and sent go to zero; queued and queuing describe the queue as it is and
// stay.
func (c *Conn) ClearStats() {
	s := &c.st
	s.requests.Store(0)
	s.responses.Store(0)
	s.events.Store(0)
	s.sendRetries.Store(0)
	s.recvRetries.Store(0)
	s.fcState.Store(0)
	s.fcCount.Store(0)
	s.invalidRequest.Store(0)
	s.overload.Store(0)
	s.sent.Store(0)
}
