// Package cpg is corosync 3.1.7's closed process group service
// (exec/cpg.c): process groups whose members are (nodeid, pid) pairs, with
// extended virtual synchrony semantics — every member of a group sees the
// same configuration changes and messages in the same order.
//
// The Engine does no I/O and starts no goroutines; it is driven from four
// sides, all of which the daemon wires up:
//
//  1. Exec messages out. Config.Mcast(iov...) must multicast one exec
//     message in corosync's main totempg group ("a", the one every service
//     engine shares) with AGREED ordering: totempg Instance.McastJoined(
//     totempg.Agreed, iov...). It is called with the engine's lock held, so
//     it must not block nor call back into the engine. Returning an error
//     (totempg.ErrTryAgain) means "not queued": JOIN/LEAVE/PARTIAL_MCAST
//     then answer CS_ERR_TRY_AGAIN, sync Process reports not-done, and the
//     PROCDOWN of a closing connection waits for Retry.
//  2. Exec messages in. For each message of the cpg service (service id 2
//     in the header's upper 16 bits) delivered in agreed order, call
//     Deliver(senderNodeID, msg), msg
//     starting with the header. Byte-swapped senders must be dropped
//     before (we only speak little-endian, like the rest of wire/).
//  3. Sync. The Engine is a daemon/sync Service (ID 2, Name as C):
//     syncEngine.Register(engine). cpg.c has no confchg_fn: configuration
//     changes only reach it through sync (Init gets the transitional and
//     the new membership and the ring id; Process sends DOWNLIST then
//     JOINLIST; Activate emits the NODEDOWN / NODEUP / PROCDOWN confchgs
//     and the totem confchg; Abort drops collected JOINLISTs).
//  4. IPC. engine.RegisterIPC(ipcServer, "cpg") registers the service with
//     every libcpg request id; ids 0,1,2,8,9,10,11,12 are FlowControlled
//     (CS_LIB_FLOW_CONTROL_REQUIRED), 2 (MCAST) is Async. The server's
//     Config.Busy must say "busy" while a sync round is in progress or
//     totempg cannot take a message (C's corosync_sending_allowed:
//     -EINPROGRESS / -ENOBUFS give CS_ERR_TRY_AGAIN). Since MCAST has no
//     response, libcpg relies on the shared-memory flow-control word: as
//     cs_ipcs_check_for_flow_control does, the daemon should call
//     SetFlowControl(2) (QB_IPCS_RATE_OFF_2) on every "cpg" connection
//     (ipc.Server.Connections("cpg")) while the totem queue level is
//     CRITICAL or sync is in progress, and SetFlowControl(0) after.
//     Retry should be called whenever totem has room again (every token).
//
// cpg_flow_control_state_get and cpg_context_get/set are library-only in
// 3.1.7 (the former always says DISABLED); cpg_initialize and
// cpg_model_initialize are just the IPC connection. The Go Client in this
// package is a libcpg equivalent for our tools and tests.
package cpg
