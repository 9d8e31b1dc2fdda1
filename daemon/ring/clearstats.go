package ring

// ClearStatsOnLoop is totempg_stats_clear's totemsrp part
// (totemsrp_stats_clear zeroes every counter, whichever of TOTEM and
// TRANSPORT was asked for); stats.srp.* show it at once. It touches the
// node, so it must run on the loop: from Do, or from a service callback
// the loop is running.
func (r *Ring) ClearStatsOnLoop() {
	r.node.ClearStats()
	r.publishStats()
}
