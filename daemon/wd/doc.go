// Package wd is corosync's watchdog service engine (exec/wd.c, service 7,
// "corosync watchdog service").
//
// It owns resources.watchdog_timeout (seconds, 2..120, default 6), opens
// the device named by resources.watchdog_device when there is one and
// tickles it every half timeout, and watches every resource that has a
// resources.<type>.<name>.state key: once the resource also has a
// recovery key, its last_updated must keep moving (within 1.5 poll
// periods) and its state must not be "failed", else the recovery runs
// ("watchdog"/"quit": stop tickling, "reboot", "shutdown").
//
// exec/wd.c's quirks are kept because they decide what an operator sees:
//   - On a default node both mon resources lack a recovery key: wd logs
//     "resource ... missing a recovery key." for each and "no resources
//     configured.", but keeps tracking their keys.
//   - A configuration change reads the resource path itself as the new
//     poll_period (a typo in wd.c), so only the creation reads
//     <path>poll_period.
//   - Without a device wd still runs its tickle timer; the timeout it
//     reports is the one it was asked for.
//
// Every entry (timers, cmap tracks) runs one at a time through a queue
// (serial.go): cmap may deliver a track on the goroutine that is already
// inside the engine, where C would simply recurse.
//
// # Wiring
//
// New(Config{Map, Log, AfterFunc, ...}) then Start() after mon; Exit() is
// wd_exec_exit_fn (the magic close). Config.Open and Config.Access exist
// so tests never touch a real watchdog.
package wd
