package logsys

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// settings is one logger's configuration (struct logsys_logger): the
// top-level logging keys, or one logging.logger_subsys.<SUBSYS> override.
type settings struct {
	toStderr, toSyslog, toFile bool
	logfile                    string
	syslogFacility             int
	syslogPriority             Level
	logfilePriority            Level
	debug                      int
}

// thresholds gives the most verbose level each target takes (debug on or
// trace raise both, as _logsys_config_apply_per_file does).
func (s *settings) thresholds() (file, sys Level) {
	file, sys = s.logfilePriority, s.syslogPriority
	switch s.debug {
	case debugOn:
		file, sys = Debug, Debug
	case debugTrace:
		file, sys = Trace, Trace
	}
	return file, sys
}

// System is the daemon's logging: one set of targets (stderr, log files,
// syslog) shared by all subsystems.
type System struct {
	mu         sync.Mutex
	configured bool
	format     string // stderr format; file and syslog formats derive from it
	main       settings
	subsys     map[string]*settings
	files      map[string]*os.File
	stderr     io.Writer
	syslog     SyslogSink
	hdr        header
	now        func() time.Time
	needCaller bool
}

// Options are fixed for the life of a System.
type Options struct {
	Name   string    // %N, "corosync"
	Stderr io.Writer // default os.Stderr
	// Syslog sends syslog lines; nil means the local syslog daemon.
	Syslog SyslogSink
	Now    func() time.Time // for tests
}

// New returns a System that, until Configure succeeds, writes nothing: C's
// early log_printf calls reach no target either (they only land in the
// blackbox), which is why a bad config shows only the fprintf'd error.
func New(o Options) *System {
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	s := &System{
		format: DefaultFormat,
		subsys: map[string]*settings{},
		files:  map[string]*os.File{},
		stderr: o.Stderr,
		syslog: o.Syslog,
		hdr:    header{pid: os.Getpid(), host: host, name: o.Name},
		now:    o.Now,
	}
	if s.stderr == nil {
		s.stderr = os.Stderr
	}
	if s.syslog == nil {
		s.syslog = &localSyslog{tag: o.Name}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hdr.name == "" {
		s.hdr.name = "corosync"
	}
	return s
}

// SetPID changes %P, for the daemon's child after it re-executes itself.
func (s *System) SetPID(pid int) {
	s.mu.Lock()
	s.hdr.pid = pid
	s.mu.Unlock()
}

// Logger logs for one subsystem, printed by %g ("MAIN", "TOTEM", "QB").
type Logger struct {
	sys    *System
	subsys string
}

// Subsys returns the logger of a subsystem.
func (s *System) Subsys(name string) *Logger { return &Logger{sys: s, subsys: name} }

// Logf logs at level. %f, %l and %n print the location of the call to
// Logf (or Errorf, ...).
func (l *Logger) Logf(level Level, format string, args ...any) { l.logf(level, 3, format, args...) }

func (l *Logger) Errorf(format string, args ...any)   { l.logf(Error, 3, format, args...) }
func (l *Logger) Warningf(format string, args ...any) { l.logf(Warning, 3, format, args...) }
func (l *Logger) Noticef(format string, args ...any)  { l.logf(Notice, 3, format, args...) }
func (l *Logger) Infof(format string, args ...any)    { l.logf(Info, 3, format, args...) }
func (l *Logger) Debugf(format string, args ...any)   { l.logf(Debug, 3, format, args...) }
func (l *Logger) Tracef(format string, args ...any)   { l.logf(Trace, 3, format, args...) }

func (l *Logger) logf(level Level, skip int, msgFmt string, args ...any) {
	s := l.sys
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.configured {
		return
	}
	// As in logsys.c, stderr and syslog are switched on and off by the
	// top-level keys only; a logger_subsys section changes the levels
	// those targets take from it, and its own log file.
	st := s.settingsFor(l.subsys)
	fileMax, sysMax := st.thresholds()
	toStderr := s.main.toStderr && level <= fileMax
	toFile := st.toFile && st.logfile != "" && level <= fileMax
	toSyslog := s.main.toSyslog && level <= sysMax
	if !toStderr && !toFile && !toSyslog {
		return
	}
	r := record{level: level, subsys: l.subsys, msg: fmt.Sprintf(msgFmt, args...), ts: s.now()}
	if s.needCaller {
		if pc, file, line, ok := runtime.Caller(skip - 1); ok {
			r.file, r.line = filepath.Base(file), line
			if fn := runtime.FuncForPC(pc); fn != nil {
				r.function = shortFuncName(fn.Name())
			}
		}
	}
	if toStderr {
		io.WriteString(s.stderr, format(s.format, &r, &s.hdr)+"\n")
	}
	if toFile {
		if f := s.files[st.logfile]; f != nil {
			f.WriteString(format(fileFormat(s.format), &r, &s.hdr) + "\n")
		}
	}
	if toSyslog {
		s.syslog.Send(s.main.syslogFacility, level, format(syslogFormat(s.format), &r, &s.hdr))
	}
}

func (s *System) settingsFor(subsys string) *settings {
	if st, ok := s.subsys[subsys]; ok {
		return st
	}
	return &s.main
}

// shortFuncName turns "github.com/x/y/daemon.(*T).run.func1" into
// "run.func1"-like short names, the closest Go has to C's __func__.
func shortFuncName(n string) string {
	if i := strings.LastIndexByte(n, '/'); i >= 0 {
		n = n[i+1:]
	}
	if i := strings.IndexByte(n, '.'); i >= 0 {
		n = n[i+1:]
	}
	if strings.HasPrefix(n, "(") {
		if i := strings.Index(n, ")."); i >= 0 {
			n = n[i+2:]
		}
	}
	return n
}

// Close closes the log files and the syslog connection.
func (s *System) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, f := range s.files {
		f.Close()
		delete(s.files, p)
	}
	s.syslog.Close()
}

// Reopen reopens every log file (for log rotation: cfg's
// reopen_log_files, SIGHUP-less rotation).
func (s *System) Reopen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for p, f := range s.files {
		f.Close()
		nf, err := openLog(p)
		if err != nil {
			delete(s.files, p)
			if first == nil {
				first = err
			}
			continue
		}
		s.files[p] = nf
	}
	return first
}

func openLog(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
}
