// Package votequorum is the corosync_votequorum service engine
// (exec/votequorum.c of corosync 3.1.7) as deterministic logic: no
// goroutines, no clock. The daemon drives it and carries its outputs.
//
// # Wiring (for the daemon integrator)
//
//   - Construction: New(Options{NodeID, Map, StateDir, Hooks}) then Start(),
//     which reads quorum.* and nodelist.* from the cmap store exactly as
//     votequorum_readconfig does (nodelist.local_node_pos must already be set
//     by the totem config code) and returns C's error text ("configuration
//     error: ...") that must stop the daemon as C's exec_init_fn failure
//     does. Start multicasts NODEINFO(self) through Hooks.Mcast (C queues it
//     before the ring exists). daemon/quorum must be started first: C loads
//     votequorum from the quorum engine when quorum.provider is
//     corosync_votequorum.
//   - Exec messages: deliver every totempg message of service 5
//     (wire.VotequorumService) in agreed order with Deliver(sender, msg),
//     msg being the whole exec message (16-byte header included), our own
//     messages included.
//   - Sync v2: the engine is a daemon/sync.Service (ID 5, Name
//     "corosync vote quorum service v1.0"). C runs the sync services in
//     service id order, so quorum (3) comes before votequorum (5). Process
//     returns false while a registered, alive qdevice has not polled with
//     the new ring id (call it again until true, as C's sync_process -1).
//   - Time: call Advance(now) with a monotonic time before handing the
//     engine any event and whenever NextDeadline() has passed
//     (last_man_standing_window, qdevice timeout and sync_timeout).
//   - Outputs: Hooks.Mcast sends exec bytes with TOTEM_AGREED (a non-nil
//     error is C's totem_mcast failure); Hooks.Quorum is C's
//     quorum_callback: pass daemon/quorum.Service.SetQuorum, which logs
//     "Members[n]: ..." and the primary/non-primary component lines;
//     Hooks.Log receives this engine's lines with their syslog level (C's
//     subsystem tag is VOTEQ, the quorum service's QUORUM).
//   - cmap: the runtime.votequorum.* keys are written to Options.Map, and
//     the quorum.* options C makes read-only are marked so. Call
//     ConfigChanged(key) from an icmap track on the prefixes "nodelist."
//     and "quorum." and on the key "config.totemconfig_reload_in_progress"
//     (C's votequorum_exec_add_config_notification): it handles
//     corosync-quorumtool -a (quorum.cancel_wait_for_all) and reloads.
//   - IPC: (&IPC{E: engine, Lock: l}).RegisterIPC(srv) opens the
//     "votequorum" socket (service 5). The engine is not safe for
//     concurrent use: the daemon must hold the same Lock around Deliver,
//     Init/Process/Activate/Abort and Advance (or run everything on one
//     goroutine through ipc.Config.Exec).
//   - Shutdown: Exit() sends the LEAVING NODEINFO when allow_downscale is set.
package votequorum
