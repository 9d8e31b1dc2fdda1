// Package quorum is corosync's quorum service engine (exec/vsf_quorum.c,
// service 3, "corosync cluster quorum service v0.1"): it relays the quorum
// provider's decision (votequorum) to libquorum clients and to internal
// listeners, and logs the membership lines.
//
// # Wiring (for the daemon integrator)
//
//   - New(Options{Map, Log}) then Start(): reads quorum.provider as C does
//     ("Using quorum provider corosync_votequorum"; an unknown provider is the
//     error "Invalid quorum provider"). Without a provider the node is
//     quorate at once (quorum_type 0, QUORUM_FREE).
//   - Provider: pass Service.SetQuorum as votequorum's Hooks.Quorum
//     (quorum_api_set_quorum).
//   - Sync: the Service is a daemon/sync.Service (ID 3); C runs the sync
//     services in service id order, so quorum (3) runs before votequorum (5).
//   - Internal listeners (cpg's quorum check, cfg): RegisterCallback.
//   - IPC: RegisterIPC(srv) opens the "quorum" socket.
package quorum
