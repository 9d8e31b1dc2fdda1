// Package mon is corosync's resource monitoring service engine
// (exec/mon.c, service 6, "corosync resource monitoring service").
//
// It keeps two resources in cmap, resources.system.memory_used.* (per cent
// of RAM plus swap in use, as libstatgrab computes it on Linux) and
// resources.system.load_15min.* (the 15-minute load average), each with
// the keys current, last_updated, poll_period and state.
//
// Behaviour is exec/mon.c's, quirks included, because operators read these
// keys and wd (daemon/wd) acts on them:
//   - At start every poll_period that is not a string is overwritten with
//     the uint64 default 3000 (ms), so a poll_period from corosync.conf (a
//     uint64) never takes effect; only a string set later is parsed.
//   - Polling runs only while a resource has a string "max" key C can
//     scan (sscanf %d for memory_used, %lf for load_15min). A default
//     node therefore never polls: current stays 0 and state "stopped".
//   - Only MODIFY and DELETE events of the resource's keys reconfigure it;
//     the first set of a new max (an ADD) does nothing until it changes.
//   - A reading above max moves the state to "failed"; the state returns
//     to "running" only on the next configuration change.
//   - A DELETE under the resource's prefix reconfigures it while the
//     deleted key still reads its old value (C's map notifies first), so
//     deleting max keeps the old max until the next change.
//   - An unscannable string poll_period logs two warnings, the second
//     for "0 ms" (C range-checks an uninitialized variable).
//
// One difference remains: when mon writes its state key inside a cmap
// change, C notifies wd's track at once (nested), our icmap after mon's
// callback returns; MON and WD log lines are each in C's order but may
// interleave differently.
//
// # Wiring
//
// New(Config{Map, Log, AfterFunc, ...}) then Start() in C's load order
// (after pload, before wd). Timers fire through Config.AfterFunc so the
// daemon can run them as engine entries. Stop cancels the polling timers.
package mon
