// Command corosync is the gorosync daemon, a drop-in for corosync 3.1.7.
package main

import (
	"os"
	"runtime"

	"github.com/gorosync/gorosync/daemon"
)

func main() {
	// C corosync does its work on one thread, and so can we: with more
	// than one P, each goroutine woken by a frame or an IPC request woke
	// an idle thread to look for work, which went back to sleep at once.
	// Those hand-offs were most of the daemon's CPU under CPG load
	// (cmd/cpgbench's context switches per delivery). GOMAXPROCS in the
	// environment still wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	os.Exit(daemon.Main())
}
