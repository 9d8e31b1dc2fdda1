// Package harness runs real multi-node corosync clusters on one machine for
// the interop tests: Debian's C corosync, our bin/corosync, or a mix, plus
// Pacemaker on top.
//
// Every host of a Cluster is a network namespace with a veth pair into a
// bridge of its own in the root namespace. Addresses exist only inside those
// namespaces (the bridge has none, there is no default route), so nothing
// leaves the machine. Every daemon and every command run on a host executes
// through `ip netns exec NS unshare -m sh -c 'mount --bind ... && exec CMD'`,
// which gives it the host's private /etc/corosync, /run, /var/lib/corosync,
// /dev/shm, /var/log/corosync, /var/lib/pacemaker and /var/log/pacemaker.
// That is what lets unmodified C tools (corosync-cmapctl, crm_mon, ...) find
// the right daemon: libqb's abstract sockets are per network namespace, its
// shared-memory rings live in /dev/shm.
//
// Typical use:
//
//	c := harness.New(t, 3, harness.Config{Transport: harness.UDPU, Token: 1000})
//	c.StartAll(harness.C)
//	conv := c.WaitQuorate(time.Now(), c.Hosts, 3, 30*time.Second)
//	t.Logf("ring %s after %v", conv.RingID, conv.Elapsed)
//	res := c.Host(1).MustRun("corosync-quorumtool", "-s")
//
// The API, by task:
//
//   - Cluster: New (hosts node1..nodeN, nodeids 1..N, one Config for all),
//     Host(i), Others, StartAll; ConfigText is the generated corosync.conf,
//     Generate the pure function behind it (Config.Template for a custom
//     layout), Host.WriteConfig to give one host something else.
//   - Daemons: Host.StartCorosync(C or Go) (Go is bin/corosync, see
//     GoBinary), StopCorosync (SIGTERM), KillCorosync (SIGKILL to the
//     daemon's own PID; returns the instant, for measurements),
//     RestartCorosync, StartPacemaker/StopPacemaker.
//   - Commands: Host.Run (context, exit code in Result), RunT, MustRun.
//   - Waiting and measuring: Host.WaitCmap, Cluster.WaitConverged (all hosts
//     report one ring id with N members), WaitQuorate (and quorate),
//     WaitPacemaker (crm_mon -1: nodes online, partition with quorum),
//     RingFormedAt (the daemons' own "A new membership (R.S) was formed"
//     timestamps); parsers ParseQuorumtool, ParseCrmMon, ParseMemberships.
//   - Faults: Host.KillCorosync, Host.SetLoss/LossDrops (nft numgen drop on
//     LossPorts), Cluster.Partition/Heal (nft saddr drops inside the
//     namespaces), Host.LinkDown/LinkUp (root end of the veth).
//   - Logs: Host.LogFiles, Cluster.DumpLogs (automatic on failure).
//
// Everything New creates (namespaces, links, nft rules, processes, the
// per-run directory) is removed by a t.Cleanup that runs even when the test
// fails or panics; when the test failed, the tail of every daemon's log is
// printed first. Leftovers of earlier runs that crashed before their cleanup
// are swept by the first New of a process: names carry the creating PID, and
// only names whose PID is no longer alive are touched.
//
// Names: every namespace, bridge and veth starts with "gi", followed by the
// creating PID in base 36 (5 chars), two random base-36 chars per cluster, a
// kind letter (n namespace, b bridge, v veth) and the host index, e.g.
// "gi00pa8k3n2". That keeps interface names within IFNAMSIZ (15).
//
// Helpers that take no context fail the test (t.Fatalf) on error; call them
// only from the test's own goroutine.
package harness
