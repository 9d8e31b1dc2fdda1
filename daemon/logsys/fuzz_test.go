package logsys

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
)

// FuzzFormat feeds arbitrary format strings and messages to the libqb
// formatter and the format derivations: no panic, no line longer than
// libqb's limit. (A trailing newline can remain: libqb strips only one.)
func FuzzFormat(f *testing.F) {
	f.Add("%t %7p [%6g] %f:%n:%l %b", "A new membership (1.9) was formed.\n")
	f.Add("%-99999999999999999999b%", "x")
	f.Add("%T [%P] %H %N%-7p", "")
	f.Add("%", "%s%d")
	f.Fuzz(func(t *testing.T, spec, msg string) {
		r := record{level: Notice, subsys: "TOTEM", file: "f.go", function: "fn", line: 7, msg: msg,
			ts: time.Date(2026, 11, 24, 22, 43, 23, 0, time.UTC)}
		h := &header{pid: 1, host: "h", name: "corosync"}
		for _, sp := range []string{spec, fileFormat(spec), syslogFormat(spec)} {
			out := format(sp, &r, h)
			if len(out) > maxLineLength-1 {
				t.Fatalf("format(%q) = %q", sp, out)
			}
		}
		if s, ok := insertIntoBuffer(spec, "%n:", "f:"); ok && !strings.Contains(s, "f:%n:") {
			t.Fatalf("insert into %q gave %q", spec, s)
		}
	})
}

// FuzzConfigure sets arbitrary values on the logging keys: Configure
// either accepts them or reports a ConfigError, and never panics.
func FuzzConfigure(f *testing.F) {
	f.Add("timestamp", "hires", "QUORUM", "debug", "trace")
	f.Add("syslog_facility", "local7", "x", "to_stderr", "maybe")
	f.Fuzz(func(t *testing.T, k1, v1, sub, k2, v2 string) {
		m := icmap.New()
		_ = m.Set("logging."+k1, v1)
		_ = m.Set("logging.logger_subsys."+sub+".subsys", sub)
		_ = m.Set("logging.logger_subsys."+sub+"."+k2, v2)
		_ = m.Set("logging.to_syslog", "no")
		_ = m.Set("logging.to_logfile", "no")
		s := New(Options{Stderr: &strings.Builder{}, Syslog: nopSink{}})
		if err := s.Configure(m); err != nil {
			if _, ok := err.(*ConfigError); !ok {
				t.Fatalf("error of type %T", err)
			}
		}
		s.Subsys(sub).Noticef("%s", v2)
		s.Close()
	})
}

type nopSink struct{}

func (nopSink) Send(int, Level, string) {}
func (nopSink) Close()                  {}
