// Package cmap is the cmap service engine (corosync's exec/cmap.c,
// service id 0): the "cmap" IPC socket that libcmap and corosync-cmapctl
// talk to, serving the daemon's icmap store and its stats map.
//
// The engine is one unit, as in C: lib.go holds the IPC (lib) handlers,
// one per libcmap request; the exec handler (MESSAGE_REQ_EXEC_CMAP_MCAST)
// and the sync hooks (config_version exchange) belong next to them in
// this package.
//
// Replies and events are byte-for-byte what exec/cmap.c sends: sizes, ids
// and cs_error_t codes, including C's quirks (a GET response is as large
// as the caller's buffer; SET_CURRENT_MAP answers with id 10; bad
// iterator or track handles are CS_ERR_BAD_HANDLE, through hdb).
package cmap
