package daemon

import "time"

// ipcStatsRefresh is corosync_totem_stats_updater's period, which polls
// the single-key stats trackers.
const ipcStatsRefresh = 1500 * time.Millisecond

// refreshIPCStats stores the connections' counters every ipcStatsRefresh
// (as an engine entry: the notifications reach cmap's trackers) until the
// returned stop is called.
func (d *Daemon) refreshIPCStats(is *ipcStats) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(ipcStatsRefresh)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				d.eng.exec(is.refresh)
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
