package logsys

import (
	"log/syslog"
)

// SyslogSink receives a formatted syslog line with its facility and level.
type SyslogSink interface {
	Send(facility int, level Level, line string)
	Close()
}

// localSyslog writes to the local syslog daemon, (re)connecting when the
// facility changes; failures are silent as in libqb, whose syslog(3) calls
// never report errors.
type localSyslog struct {
	tag      string
	w        *syslog.Writer
	facility int
	failed   bool
}

func (l *localSyslog) Send(facility int, level Level, line string) {
	if l.w == nil || l.facility != facility {
		if l.w != nil {
			l.w.Close()
			l.w = nil
		}
		if l.failed && l.facility == facility {
			return
		}
		l.facility = facility
		w, err := syslog.New(syslog.Priority(facility)|syslog.LOG_INFO, l.tag)
		if err != nil {
			l.failed = true
			return
		}
		l.failed, l.w = false, w
	}
	if level > Debug {
		level = Debug // syslog has no trace
	}
	switch level {
	case Emerg:
		l.w.Emerg(line)
	case Alert:
		l.w.Alert(line)
	case Crit:
		l.w.Crit(line)
	case Error:
		l.w.Err(line)
	case Warning:
		l.w.Warning(line)
	case Notice:
		l.w.Notice(line)
	case Info:
		l.w.Info(line)
	default:
		l.w.Debug(line)
	}
}

func (l *localSyslog) Close() {
	if l.w != nil {
		l.w.Close()
		l.w = nil
	}
}
