package daemon

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
)

// ipcStats keeps the stats map's stats.ipcs.* keys as corosync's ipc_glue.c
// and stats.c do: stats.ipcs.global.{active,closed} from start, and for
// every live connection stats.ipcs.service<id>.<pid>.<pointer>.<counter>,
// added when the connection is created and removed when it closes. The keys
// live in the stats map (listing, prefix tracking); their values are
// computed when read (live), from the connection's ipc counters.
type ipcStats struct {
	m  *icmap.Map
	mu sync.Mutex
	// conns is keyed by the per-connection key prefix, "…<pointer>." .
	conns map[string]*ipcConnStats
	byPtr map[*ipc.Conn]string
	// C's global_stats: a clear zeroes them while connections are open,
	// so active wraps below zero when those close, exactly as in C.
	active, closed uint64
}

type ipcConnStats struct {
	c        *ipc.Conn
	procname string
}

const (
	ipcStatsPrefix = "stats.ipcs."
	ipcStatsActive = ipcStatsPrefix + "global.active"
	ipcStatsClosed = ipcStatsPrefix + "global.closed"
)

// ipcConnStatNames are cs_ipcs_conn_stats[] in stats.c, with the value's
// cmap type given by the Go type each returns.
var ipcConnStatNames = []struct {
	name string
	get  func(s ipc.ConnStats, e *ipcConnStats) any
}{
	{"queueing", func(s ipc.ConnStats, _ *ipcConnStats) any {
		if s.Queuing {
			return int32(1)
		}
		return int32(0)
	}},
	{"queued", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.Queued }},
	{"invalid_request", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.InvalidRequest }},
	{"overload", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.Overload }},
	{"sent", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.Sent }},
	{"procname", func(_ ipc.ConnStats, e *ipcConnStats) any { return e.procname }},
	{"requests", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.Requests }},
	{"responses", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.Responses }},
	{"dispatched", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.Events }},
	{"send_retries", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.SendRetries }},
	{"recv_retries", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.RecvRetries }},
	{"flow_control", func(s ipc.ConnStats, _ *ipcConnStats) any { return uint32(s.FlowControlState) }},
	{"flow_control_count", func(s ipc.ConnStats, _ *ipcConnStats) any { return s.FlowControlCount }},
}

// newIPCStats is stats_map_init's part for IPC: the global keys exist
// before any connection.
func newIPCStats(m *icmap.Map) *ipcStats {
	s := &ipcStats{m: m, conns: map[string]*ipcConnStats{}, byPtr: map[*ipc.Conn]string{}}
	s.storeGlobal()
	return s
}

// storeGlobal writes the global counters into the map, so that single-key
// trackers see them change. Called with mu held or before sharing.
func (s *ipcStats) storeGlobal() {
	_ = s.m.Set(ipcStatsActive, s.active)
	_ = s.m.Set(ipcStatsClosed, s.closed)
}

// connPrefix is stats_ipcs_add_connection's "stats.ipcs.service%d.%d.%p."
// The connection's address stands in for C's pointer: unique while the
// connection lives, and printed the same way.
func connPrefix(c *ipc.Conn) string {
	return fmt.Sprintf("%sservice%d.%d.%p.", ipcStatsPrefix, c.Service().ID(), uint32(c.Creds().PID), c)
}

// created is cs_ipcs_connection_created's bookkeeping (ipc.Config.OnConnCreated).
func (s *ipcStats) created(c *ipc.Conn) {
	e := &ipcConnStats{c: c, procname: procName(c.Creds().PID)}
	p := connPrefix(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[p] = e
	s.byPtr[c] = p
	st := c.Stats()
	for _, n := range ipcConnStatNames {
		_ = s.m.Set(p+n.name, n.get(st, e))
	}
	s.active++
	s.storeGlobal()
}

// closedConn is cs_ipcs_connection_closed's bookkeeping (ipc.Config.OnConnClosed).
func (s *ipcStats) closedConn(c *ipc.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byPtr[c]
	if !ok {
		return
	}
	delete(s.byPtr, c)
	e := s.conns[p]
	delete(s.conns, p)
	// C's DELETE notifications carry the value read at removal: store
	// it first, the map hands the stored one to the trackers.
	st := c.Stats()
	for _, n := range ipcConnStatNames {
		_ = s.m.Set(p+n.name, n.get(st, e))
		_ = s.m.Delete(p + n.name)
	}
	s.active--
	s.closed++
	s.storeGlobal()
}

// live is stats_map_get for stats.ipcs.* (cmap.Config.StatsLive).
func (s *ipcStats) live(key string) (any, bool) {
	if !strings.HasPrefix(key, ipcStatsPrefix) {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch key {
	case ipcStatsActive:
		return s.active, true
	case ipcStatsClosed:
		return s.closed, true
	}
	i := strings.LastIndexByte(key, '.')
	e, ok := s.conns[key[:i+1]]
	if !ok {
		return nil, false
	}
	for _, n := range ipcConnStatNames {
		if n.name == key[i+1:] {
			return n.get(e.c.Stats(), e), true
		}
	}
	return nil, false
}

// refresh stores every connection's current values, so that a tracker of
// one stats.ipcs key sees MODIFY when its value changed, as C's
// stats_trigger_trackers finds by polling every 1.5 s.
func (s *ipcStats) refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
}

func (s *ipcStats) refreshLocked() {
	for p, e := range s.conns {
		st := e.c.Stats()
		for _, n := range ipcConnStatNames {
			_ = s.m.Set(p+n.name, n.get(st, e))
		}
	}
}

// clear is cs_ipcs_clear_stats: the global counters go to zero (even with
// connections open), and every connection's counters are cleared.
func (s *ipcStats) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active, s.closed = 0, 0
	s.storeGlobal()
	for _, e := range s.conns {
		e.c.ClearStats()
	}
	s.refreshLocked()
}

// procName is corosync's pid_to_name: the command name between the last
// "(" and the last ")" of /proc/<pid>/stat, at most 31 bytes; "" when
// the process is gone or the line is not as expected.
func procName(pid int32) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// C reads one line of at most 255 bytes.
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 255 {
		b = b[:255]
	}
	return parseProcStatName(string(b))
}

func parseProcStatName(line string) string {
	open := strings.LastIndexByte(line, '(')
	if open < 0 {
		return ""
	}
	closing := strings.LastIndexByte(line, ')')
	if closing < 0 || closing+1 >= len(line) || line[closing+1] != ' ' || closing < open {
		return ""
	}
	name := line[open+1 : closing]
	if len(name) > 31 {
		name = name[:31]
	}
	return name
}
