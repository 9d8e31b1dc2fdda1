package enginetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gorosync/gorosync/daemon/logsys"
)

// LogRec records log lines as "<level> <message>".
type LogRec struct {
	mu    sync.Mutex
	lines []string
}

// Log has the engines' Config.Log signature.
func (l *LogRec) Log(level logsys.Level, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level.String()+" "+fmt.Sprintf(format, args...))
}

// Take returns the lines recorded since the last Take.
func (l *LogRec) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// WantLines fails t unless got is exactly want.
func WantLines(t testing.TB, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
