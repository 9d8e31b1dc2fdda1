// Package votequorum is the corosync_votequorum service engine
// (exec/votequorum.c of corosync 3.1.7) as deterministic logic: no
// goroutines, no clock. The daemon drives it and carries its outputs.
//
// # Wiring (for the daemon integrator)
//
//   - Construction: New(Options{NodeID, Map, StateDir, Hooks}) then Start(),
//     which reads quorum.* and nodelist.* from the cmap store exactly as
//     votequorum_readconfig does (nodelist.local_node_pos must already be set
//     by the totem config code) and returns C's configuration error text
//     ("configuration error: ...") that must stop the daemon as C's
//     exec_init_fn failure does. Start multicasts NODEINFO(self) via Hooks.Mcast.
//   - Exec messages: deliver every totempg message of service 5
//     (wire.VotequorumService) in agreed order with Deliver(sender, msg),
//     msg being the whole exec message (16-byte header included), our own
//     messages included.
//   - Sync v2: the engine is a daemon/sync.Service (ID 5, Name
//     "corosync vote quorum service v1.0"): register it with the sync engine
//     after cmap (id 0) and before cpg, as C's service order does.
//   - Time: call Advance(now) with a monotonic time whenever
//     NextDeadline() has passed (last_man_standing_window and the qdevice
//     timers); every other call uses the last time given.
//   - Outputs: Hooks.Mcast sends exec bytes with TOTEM_AGREED (a non-nil
//     error is C's totem_mcast failure); Hooks.Quorum is C's
//     quorum_callback, to be handed to daemon/quorum.Service.SetQuorum
//     (which prints "Members[n]: ..." and the primary-component lines);
//     Hooks.Log receives the log lines with their level.
//   - cmap: the runtime.votequorum.* keys are written to Options.Map; the
//     integrator must call ConfigChanged(key) from an icmap track on the
//     prefixes "nodelist.", "quorum." and key
//     "config.totemconfig_reload_in_progress" (C's
//     votequorum_exec_add_config_notification).
//   - IPC: RegisterIPC(srv) registers the "votequorum" service (id 5).
//   - Shutdown: Exit() sends the LEAVING NODEINFO when allow_downscale is set.
package votequorum
