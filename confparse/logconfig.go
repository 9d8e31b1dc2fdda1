package confparse

import (
	"fmt"
	"strings"
)

// The checks of exec/logconfig.c corosync_log_config_read, in its order.
// Failures print as "parse error in config: REASON." and exit with status 7.

var syslogFacilities = []string{"auth", "authpriv", "cron", "daemon", "ftp", "kern", "lpr", "mail",
	"news", "syslog", "user", "uucp", "local0", "local1", "local2", "local3", "local4", "local5",
	"local6", "local7"}

// logsys_priority_id_get compares case-insensitively.
var logPriorities = []string{"alert", "crit", "debug", "emerg", "err", "error", "info", "notice", "warning"}

func isPriority(v string) bool {
	for _, p := range logPriorities {
		if strings.EqualFold(v, p) {
			return true
		}
	}
	return false
}

type logChecker struct {
	m        *icmap
	opt      *Options
	warnings *[]string
	opened   map[string]bool
}

func (l *logChecker) read() error {
	if err := l.check(); err != "" {
		return &Error{Msg: "parse error in config: " + err + ".", Status: statusLogConfig}
	}
	return nil
}

func (l *logChecker) check() string {
	onOff := func(key string, extra ...string) bool {
		v, ok := l.m.getString(key)
		return !ok || oneOf(v, append([]string{"on", "off"}, extra...)...)
	}
	if !onOff("logging.fileline") {
		return "unknown value for fileline"
	}
	if !onOff("logging.function_name") {
		return "unknown value for function_name"
	}
	// libqb 2.0 has QB_FEATURE_LOG_HIRES_TIMESTAMPS, so "hires" is valid.
	if !onOff("logging.timestamp", "hires") {
		return "unknown value for timestamp"
	}
	if !onOff("logging.blackbox") {
		return "unknown value for blackbox"
	}
	if e := l.set("logging", ""); e != "" {
		return e
	}
	for _, k := range l.m.keysWithPrefix("logging.logger_subsys.") {
		rest := strings.TrimPrefix(k, "logging.logger_subsys.")
		subsys, item, ok := strings.Cut(rest, ".")
		if !ok || subsys == "" || item != "subsys" {
			continue
		}
		if e := l.set("logging.logger_subsys."+subsys, subsys); e != "" {
			return e
		}
	}
	return ""
}

// set is corosync_main_config_set for one logger (subsys "" = top level).
func (l *logChecker) set(path, subsys string) string {
	get := func(k string) (string, bool) { return l.m.getString(path + "." + k) }
	dest := func(k string, deprecated bool, replacement string) string {
		v, ok := get(k)
		if !ok {
			return ""
		}
		if deprecated {
			*l.warnings = append(*l.warnings, fmt.Sprintf(
				"Warning: the %s config parameter has been obsoleted. See corosync.conf man page %s directive.",
				k, replacement))
		}
		if !oneOf(v, "yes", "on", "no", "off") {
			return "unknown value for " + k
		}
		return ""
	}
	if e := dest("to_stderr", false, ""); e != "" {
		return e
	}
	if e := dest("to_syslog", false, ""); e != "" {
		return e
	}
	if v, ok := get("syslog_facility"); ok && !oneOf(v, syslogFacilities...) {
		return "unknown syslog facility specified"
	}
	if v, ok := get("syslog_level"); ok {
		*l.warnings = append(*l.warnings, "Warning: the syslog_level config parameter has been obsoleted."+
			" See corosync.conf man page syslog_priority directive.")
		if !isPriority(v) {
			return "unknown syslog level specified"
		}
	}
	if v, ok := get("syslog_priority"); ok && !isPriority(v) {
		return "unknown syslog priority specified"
	}
	if v, ok := get("logfile"); ok {
		if e := l.openLog(v); e != "" {
			return e
		}
	}
	if e := dest("to_file", true, "to_logfile"); e != "" {
		return e
	}
	if e := dest("to_logfile", false, ""); e != "" {
		return e
	}
	if v, ok := get("logfile_priority"); ok && !isPriority(v) {
		return "unknown logfile priority specified"
	}
	if v, ok := get("debug"); ok && !oneOf(v, "trace", "on", "off") {
		return "unknown value for debug"
	}
	return ""
}

// openLog is logsys_config_file_set: C opens (and creates) the file at once,
// so a missing directory fails `corosync -t`. A file already opened for
// another logger is not opened again.
func (l *logChecker) openLog(file string) string {
	if len(file) >= 4096 {
		return "logfile name exceed maximum system filename length"
	}
	if l.opened[file] {
		return ""
	}
	if errno, err := l.opt.openLogFile(file); err != nil {
		return fmt.Sprintf("Can't open logfile '%s' for reason: %s (%d)", file, err.Error(), errno)
	}
	l.opened[file] = true
	return ""
}
