// Package ring is the daemon's Totem event loop: it owns one totemsrp.Node
// and wires it to a transport, to totempg and to sync, the way corosync's
// main loop (qb_loop) drives totemsrp, totemudp(u), totempg and sync.c.
//
// One goroutine does everything, as C's single-threaded main loop does:
// received frames go to Step, the earliest totemsrp timer to Tick, and each
// Ready is acted on in the order totemsrp requires (ring seq to stable
// storage, frames to the network, deliveries to totempg, then log lines).
// Configuration changes also update runtime.members.* in cmap and the sync
// engine; sync completion raises totemsrp's trans ack. Anything from other
// goroutines (force gather, stop) goes through Do.
//
// Service engines plug in through Config.Services: sync services that
// replace the announce-only placeholders of daemon/sync, the exec messages
// of totempg group "a" (Deliver, and Ring.Mcast to send), configuration
// changes and timers on the ring's clock. Everything they are handed runs
// on the loop; Services.Flush ends every turn of it (and every Do), so
// engines can announce a turn's deliveries to their clients at once.
//
// The node's own MCASTs go to the other members only (McastPeers, one
// call per token visit, with the ORF token that ends the visit): totemsrp
// keeps them already, and C's copy to itself is only ever dropped as a
// duplicate (totemsrp.Config.SkipOwnCopy). The transport hands the next
// member its copies and the token before the other members' copies.
package ring
