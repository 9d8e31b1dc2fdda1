// Package daemon is the corosync process: command line, configuration
// loading into cmap, logging setup, the lock file, daemonizing, signals,
// systemd notification and the main loop (exec/main.c).
package daemon
