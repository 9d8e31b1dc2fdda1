// Package totemsrp is the Totem Single Ring Protocol of corosync 3.1.7
// (exec/totemsrp.c) as a deterministic state machine in the style of etcd's
// raft: frames and clock ticks go in, a Ready with frames to send,
// agreed-order deliveries interleaved with configuration changes, the ring
// seq to persist and log lines comes out. It owns no socket, goroutine or
// clock, so the simulation in the tests drives thousands of seeded clusters
// and the daemon drives one node from its event loop:
//
//	n, _ := totemsrp.New(cfg, storedRingSeq) // state_dir/ringid_<nodeid>, 0 if absent
//	n.Start(now)
//	loop:
//	    n.Tick(now)                  // before every Step, and at n.NextDeadline()
//	    n.Step(frame)                // each received UDP payload / knet user data
//	    n.Mcast(totempgPacket, 0)    // ErrQueueFull: try again later
//	    rd := n.Ready()              // persist rd.RingSeq, send rd.Frames,
//	                                 // hand rd.Deliveries to totempg in order, log rd.Logs
//	    n.TransAck()                 // when sync has completed (totemsrp_trans_ack)
//	n.Leave()                        // at shutdown: the LEAVE message
//
// Wire format and behaviour follow totemsrp.c; the golden test replays
// udpu.pcap and checks a Go node sends C's bytes. Four deliberate
// deviations, each found by the simulation and each invisible on the wire
// except for timing, are marked "Deviation from C" in the code:
//   - a JOIN that changes nothing does not restart GATHER (C's restart makes
//     two nodes with incomparable failed lists answer each other forever
//     and the consensus timer never expires: a JOIN storm);
//   - stored messages are freed only on fresh (not retransmitted) tokens;
//   - the RECOVERY counters (retrans_flg count, rotation counter, set
//     retrans flag) are reset on entering RECOVERY;
//   - a LEAVE naming ourselves (a previous incarnation's) is ignored.
package totemsrp
