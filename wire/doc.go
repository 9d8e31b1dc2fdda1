// Package wire holds every byte layout that crosses a socket or a shared-memory
// ring between corosync peers or between corosync and its clients: totemsrp
// messages, totempg packets, exec and sync messages, knet headers, libqb IPC
// headers and the service request/response structs. It has no protocol state
// and does no I/O; it imports nothing of ours.
//
// Everything is little-endian (see wire-spec §1.2: mixed byte order does not
// work in C corosync either, so we only ever send LE).
package wire
