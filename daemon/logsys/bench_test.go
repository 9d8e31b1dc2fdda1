package logsys

import (
	"io"
	"testing"

	"github.com/gorosync/gorosync/daemon/icmap"
)

func benchSys(b *testing.B, keys map[string]string) *System {
	s := New(Options{Stderr: io.Discard, Syslog: nopSink{}})
	m := icmap.New()
	for k, v := range keys {
		_ = m.Set(k, v)
	}
	if err := s.Configure(m); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkLogStderr(b *testing.B) {
	l := benchSys(b, map[string]string{"logging.timestamp": "hires", "logging.to_syslog": "no"}).Subsys("TOTEM")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.Noticef("A new membership (%d.%x) was formed. Members joined: %d", 1, i, 2)
	}
}

func BenchmarkLogFileLine(b *testing.B) {
	l := benchSys(b, map[string]string{"logging.fileline": "on", "logging.function_name": "on", "logging.to_syslog": "no"}).Subsys("TOTEM")
	for i := 0; i < b.N; i++ {
		l.Noticef("token %d", i)
	}
}

// BenchmarkDebugFiltered is the cost of a debug call that no target
// takes, the common case on a busy ring.
func BenchmarkDebugFiltered(b *testing.B) {
	l := benchSys(b, map[string]string{"logging.to_syslog": "no"}).Subsys("TOTEM")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.Debugf("delivering %d", i)
	}
}
