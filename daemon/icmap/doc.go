// Package icmap is the daemon's configuration and runtime key/value store,
// the Go counterpart of corosync's exec/icmap.c. The daemon keeps two
// instances: the default map (configuration, runtime.*) and the stats map.
//
// Errors are wire.CsError values, the cs_error_t codes C's icmap returns,
// so the cmap IPC service can put them on the wire unchanged.
//
// All methods are safe for concurrent use. Track callbacks run after the
// map's lock is released, so a callback may read or write the map.
package icmap
