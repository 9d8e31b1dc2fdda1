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
// The engine reaches the rest of the daemon only through Config; nothing
// here imports daemon/ or daemon/ring. In daemon/ipcsetup.go's startIPC,
// next to the cmap engine:
//
//	node := &cfg.UDPNode{ // udp/udpu; knet needs its own Node (link status from knet)
//		NodeID:  d.Config.NodeID(),
//		Members: ring.Members,            // current regular membership (my_proc_list)
//		Nodes:   currentConfig().Nodes,   // the nodelist, swapped by ApplyTotem on reload
//		Bound:   transportBound,          // nil: always bound
//		NetMTU:  func() int { return cfg.UDPNetMTU(int(d.Config.Totem().NetMTU), ipv6) },
//		Send:    func(m []byte) error { return pg.Mcast(totempg.Safe, m) }, // the exec group, TOTEM_SAFE
//	}
//	eng := cfg.New(cfg.Config{
//		Map: d.Map, Node: node, ConfigPath: <the -c path>, // Options: as at start (zero: ask the machine)
//		Shutdown:   <corosync_shutdown_request: same path as SIGTERM, but without
//		            "Node was shut down by a signal"; exit status 0>,
//		Fatal:      <corosync_fatal_error(-1): log "Corosync Cluster Engine exiting
//		            with status -1 at cfg.c:566." and exit(255), as C does>,
//		Reopen:     d.Logs.Reopen,
//		ApplyTotem: <totempg_put_config + totemconfig_commit_new_params: new
//		            timers to totemsrp, transport.SetMembers for the new nodelist,
//		            and remember c as the current config>,
//		Log:        <d.Logs.Subsys("CFG") at the given level>,
//		SocketName: d.IPCSocketName(cfg.Name),
//	})
//	eng.Register(srv)
//
// and in the ring's exec dispatch, for every delivered message whose
// header id has service 1: eng.Deliver(senderNodeID, msg), in delivery
// order. Node.Mcast may deliver synchronously (the engine never holds its
// lock while calling out) but must not wait for the goroutine IPC
// handlers run on if ipc.Config.Exec funnels them into the ring's loop. The shutdown timer runs on its own goroutine
// (time.AfterFunc) unless Config.AfterFunc routes it elsewhere.
package cfg
