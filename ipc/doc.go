// Package ipc speaks libqb's IPC protocol (libqb 2.0.6, as used by corosync
// 3.1.7): the server half that the daemon's service engines plug into, and a
// client half for our tools, tests and the libcompat shims.
//
// # Server
//
// A Server owns one listening socket per registered Service (an abstract
// AF_UNIX stream socket named like the C daemon's: "cmap", "cpg", ...). A
// service engine registers its request handlers keyed by request id:
//
//	svc, err := srv.Register(ipc.ServiceConfig{Name: "cmap", ID: 0, OnConnect: ..., OnClose: ...})
//	svc.Handle(0, setHandler)                          // CMAP SET
//	svc.Handle(2, mcast, ipc.FlowControlled, ipc.Async) // CPG MCAST: no response; dropped while Config.Busy()
//	srv.Start()        // sockets open, stale /dev/shm/qb-* of dead servers removed
//	srv.SetReady(true) // stop refusing with -EAGAIN
//
// Each request reaches its Handler with the connection and the whole message
// (16-byte request header included; hdr.size already checked against the
// chunk). Unknown ids get corosync's {id 0, size 24, CS_ERR_INVALID_PARAM}. The handler answers with Conn.Respond
// (exactly one response per request, as corosync does; CPG MCAST is the
// exception) and may send any number of Conn.SendEvent. Neither call blocks:
// a full response ring yields ErrTryAgain, events queue up to
// Config.EventQueueLen and then yield ErrTryAgain too. A caller that sends
// many events in a row (the daemon's deliveries of one ring turn) uses
// Conn.SendEventHeld and then Conn.FlushEvents: the events are written at
// once and announced to the client (SHM: one byte each on the setup
// socket) in one send; a response announces held events before itself.
//
// Per-connection service state goes in Conn.SetContext/Context (set it in
// OnConnect, free it in OnClose, which runs exactly once for every
// connection OnConnect accepted). Events for other connections are sent through the *Conn the
// service kept (or Server.Connections).
//
// Requests of one connection are handled in order on that connection's
// goroutine; different connections run concurrently. A daemon that wants all
// service code on one goroutine sets Config.Exec, through which every handler
// and hook call is funnelled.
//
// Admission follows corosync's cs_ipcs_connection_accept: until SetReady(true)
// every connection is refused with -EAGAIN (libs return CS_ERR_TRY_AGAIN); a
// service without handlers refuses with -ENOSYS; Config.Authorize gets the
// peer's uid/gid/pid and returns 0 or a negative errno (-EACCES for corosync's
// uidgid rule); ServiceConfig.OnConnect may refuse too.
//
// # Statistics
//
// Each connection counts what libqb's qb_ipcs_connection_stats and
// corosync's per-connection context count (Conn.Stats: requests, responses,
// events, send/recv retries, flow-control state and changes, invalid and
// overloaded requests, the event queue's queuing/queued/sent) with atomics
// on the request and event paths; Conn.ClearStats is cs_ipcs_clear_stats.
// Config.OnConnCreated/OnConnClosed let the daemon publish them
// (stats.ipcs.* in the stats map).
//
// # Transports
//
// SHM (libqb's default, the one Pacemaker accepts): three ring buffers in
// /dev/shm files shared with the client plus one notification byte per request
// and per event on the setup socket. SOCKET: one datagram per message.
//
// # Client
//
// Dial connects to any libqb server (ours or C corosync) and uses whichever
// transport the server picks.
package ipc
