// Package cfg is the cfg service engine (corosync's exec/cfg.c, service
// id 1): the "cfg" IPC socket that libcfg users talk to (corosync-cfgtool,
// pacemakerd) and the five cfg exec messages (RINGREENABLE, KILLNODE,
// SHUTDOWN, RELOAD_CONFIG, CRYPTO_RECONFIG).
//
// Replies are what exec/cfg.c sends, byte for byte and with its quirks: a
// TRYSHUTDOWN is answered only once every tracking connection has replied
// (or cfg.shutdown_timeout, 5 s by default, has passed); RELOAD_CONFIG is
// answered when the requesting node delivers its own exec message;
// RINGREENABLE is CS_ERR_NOT_SUPPORTED; NODESTATUSGET for a node the
// transport does not know still answers CS_OK with the asked nodeid and
// nothing reachable.
//
// # Wiring into the daemon
//
// The engine reaches the rest of the daemon only through Config:
//
//	eng := cfg.New(cfg.Config{
//		Map:        d.Map,             // icmap_get_global_map
//		Node:       node,              // a cfg.Node; cfg.UDPNode implements it for udp/udpu
//		ConfigPath: d.params.ConfigPath, // corosync.conf, re-read on RELOAD_CONFIG
//		Shutdown:   d.requestShutdown, // api->shutdown_request: orderly exit
//		Fatal:      d.fatalExit,       // corosync_fatal_error(COROSYNC_FATAL_ERROR_EXIT)
//		Reopen:     d.Logs.Reopen,     // logsys_reopen_log_files
//		ApplyTotem: ring.Reconfigure,  // totempg_put_config + totemconfig_commit_new_params
//		Log:        func(l logsys.Level, f string, a ...any) { d.Logs.Subsys("CFG").Logf(l, f, a...) },
//	})
//	eng.Register(srv)                     // in startIPC, next to cmap
//	// the ring's exec dispatcher, for every delivered message of service 1:
//	eng.Deliver(senderNodeID, msg)
//
// Node.Mcast must multicast with TOTEM_SAFE (every cfg exec message goes
// SAFE in C) and may deliver synchronously: the engine never holds its
// lock while calling out.
package cfg
