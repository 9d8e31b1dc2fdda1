// Command corosync is the gorosync daemon, a drop-in for corosync 3.1.7.
package main

import (
	"os"

	"github.com/gorosync/gorosync/daemon"
)

func main() { os.Exit(daemon.Main()) }
