// Package totempg is corosync's exec/totempg.c on top of a totemsrp engine:
// it packs application messages into totempg packets (several per MCAST,
// fragments of messages up to 1 MiB across MCASTs), reassembles what totemsrp
// delivers per sender, and hands complete messages to the local handlers that
// joined one of the message's groups ("a" for services, "sync" for sync).
//
// It depends on totemsrp only through the SRP interface, and it is not safe for
// concurrent use: the daemon calls it from its single event loop, as C does
// outside threaded mode. Delivered message slices are only valid during the
// callback.
//
// Packing follows mcast_msg() decision for decision so a Go node emits the same
// packets as a C node (a 1573-byte downlist becomes 1400 + 173 bytes with the
// default netmtu of 1500); reassembly follows totempg_deliver_fn(), including
// its "throw-away" mode on a continuation mismatch.
package totempg
