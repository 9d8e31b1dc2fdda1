// Package logsys is the daemon's logging, the Go counterpart of corosync's
// exec/logsys.c and exec/logconfig.c on top of libqb's log formatter: the
// same `logging {}` keys read from cmap and byte-for-byte the same line
// shapes on stderr, in the log file and to syslog, because operators and
// Pacemaker's test suite grep them.
package logsys

import "strings"

// Level is a syslog priority; Trace is libqb's LOG_TRACE (LOG_DEBUG+1).
type Level int

const (
	Emerg Level = iota
	Alert
	Crit
	Error
	Warning
	Notice
	Info
	Debug
	Trace
)

// qbNames are the names libqb's %p prints (log_format.c prioritynames).
var qbNames = [...]string{"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug", "trace"}

func (l Level) String() string {
	if l < 0 {
		return qbNames[0]
	}
	if l > Trace {
		l = Trace
	}
	return qbNames[l]
}

// priorityByName is logsys_priority_id_get: the names the
// syslog_priority and logfile_priority keys accept (case-insensitive).
// "trace" is not among them.
func priorityByName(s string) (Level, bool) {
	switch strings.ToLower(s) {
	case "alert":
		return Alert, true
	case "crit":
		return Crit, true
	case "debug":
		return Debug, true
	case "emerg":
		return Emerg, true
	case "err", "error":
		return Error, true
	case "info":
		return Info, true
	case "notice":
		return Notice, true
	case "warning":
		return Warning, true
	}
	return 0, false
}

// facilities is libqb's facilitynames (qb_log_facility2int, case-sensitive),
// as syslog(3) facility codes.
var facilities = map[string]int{
	"auth": 4 << 3, "authpriv": 10 << 3, "cron": 9 << 3, "daemon": 3 << 3, "ftp": 11 << 3,
	"kern": 0, "lpr": 6 << 3, "mail": 2 << 3, "news": 7 << 3, "syslog": 5 << 3, "user": 1 << 3,
	"uucp": 8 << 3, "local0": 16 << 3, "local1": 17 << 3, "local2": 18 << 3, "local3": 19 << 3,
	"local4": 20 << 3, "local5": 21 << 3, "local6": 22 << 3, "local7": 23 << 3,
}

// Debug modes (LOGSYS_DEBUG_*).
const (
	debugOff   = 0
	debugOn    = 1
	debugTrace = 2
)
