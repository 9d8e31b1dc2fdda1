package ring

import (
	"context"
	"log/slog"

	"github.com/gorosync/gorosync/daemon/logsys"
)

// publishStats refreshes stats.srp.* and stats.pg.*. C computes them when
// read (stats.c); a snapshot per StatsInterval is what a poller sees here.
func (r *Ring) publishStats() {
	m := r.cfg.Stats
	if m == nil {
		return
	}
	st := r.node.Stats()
	for k, v := range st.Map() {
		switch k {
		case "continuous_gather", "continuous_sendmsg_failures":
			_ = m.Set("stats.srp."+k, uint32(v))
		default:
			_ = m.Set("stats.srp."+k, v)
		}
	}
	ts := st.TokenStats(r.now())
	_ = m.Set("stats.srp.mtt_rx_token", ts.MttRxToken)
	_ = m.Set("stats.srp.avg_token_workload", ts.AvgTokenWorkload)
	_ = m.Set("stats.srp.avg_backlog_calc", ts.AvgBacklogCalc)
	_ = m.Set("stats.srp.time_since_token_last_received", ts.TimeSinceTokenLastReceived)
	// Set by totemknet/udp when the interface goes down; a udp/udpu ring
	// that runs never has it set.
	_ = m.Set("stats.srp.firewall_enabled_or_nic_failure", uint8(0))
	pg := r.pg.Stats()
	_ = m.Set("stats.pg.msg_queue_avail", pg.MsgQueueAvail)
	_ = m.Set("stats.pg.msg_reserved", pg.MsgReserved)
}

// slogLevel maps the sync engine's slog levels onto logsys's; the level
// between Info and Warn is syslog's notice.
func slogLevel(l slog.Level) logsys.Level {
	switch {
	case l < slog.LevelInfo:
		return logsys.Debug
	case l < slog.LevelInfo+2:
		return logsys.Info
	case l < slog.LevelWarn:
		return logsys.Notice
	case l < slog.LevelError:
		return logsys.Warning
	}
	return logsys.Error
}

// slogHandler sends totempg's slog records to the daemon's log.
type slogHandler struct {
	log    LogFunc
	subsys string
}

func (h *slogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *slogHandler) Handle(_ context.Context, rec slog.Record) error {
	msg := rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		msg += " " + a.String()
		return true
	})
	h.log(h.subsys, slogLevel(rec.Level), "%s", msg)
	return nil
}

func (h *slogHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *slogHandler) WithGroup(string) slog.Handler      { return h }
