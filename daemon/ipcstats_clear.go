package daemon

import "github.com/gorosync/gorosync/totemsrp"

// statsClear is what stats_map_set does for a write to
// stats.clear.<what> (cmap.Config.StatsClear). C's "knet" is
// totempg_stats_clear(TRANSPORT), which also zeroes the totemsrp counters
// (checked on Debian's corosync 3.1.7 with udpu: stats.srp.orf_token_rx
// reads 0 after corosync-cmapctl -C knet); our udp/udpu transports keep
// no counters of their own. We record no scheduling misses, so
// "schedmiss" has nothing to clear.
func (d *Daemon) statsClear(is *ipcStats) func(what string) {
	return func(what string) {
		switch what {
		case "ipc":
			is.clear()
		case "knet", "totem":
			d.clearTotemStats()
		case "all":
			d.clearTotemStats()
			is.clear()
		}
	}
}

// clearTotemStats zeroes the ring's counters. cmap handlers run inside an
// engine entry (engines.enter holds mu), usually on the ring's loop, where
// waiting for the loop with Ring.Do would never return.
func (d *Daemon) clearTotemStats() {
	r := d.eng.ring.Load()
	if r == nil {
		return
	}
	if d.eng.onLoop {
		r.ClearStatsOnLoop()
		return
	}
	r.Do(func(*totemsrp.Node) { r.ClearStatsOnLoop() })
}
