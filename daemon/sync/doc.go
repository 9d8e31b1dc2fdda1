// Package sync is corosync's sync v2 (exec/sync.c) as a deterministic engine.
//
// After every REGULAR configuration change each node multicasts the ids of
// its services that take part in synchronization (SERVICE_BUILD), waits for
// the lists of every member of the new ring, adds a do-nothing service for
// every id it does not know, and then steps through the union in id order:
// the service's Process runs until it reports done (sending whatever that
// service syncs), the node multicasts a BARRIER, and once every member's
// BARRIER has arrived the service is activated and the next one starts. When
// the last service is activated synchronization is complete. A configuration
// change in the middle aborts the run; messages carrying another ring id are
// dropped. BARRIERs do not name their service: they are matched by position,
// so every node must send exactly one per service of the union, in order.
//
// The engine does no I/O and starts no goroutines. The daemon feeds it
// configuration changes (ConfChg) and the messages totempg delivers in group
// "sync" (Deliver), and calls Run whenever Busy reports pending work (C runs
// the same step from a qb_loop job). It is not safe for concurrent use.
package sync
