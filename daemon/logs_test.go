package daemon

import (
	"bytes"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
)

func newTestLogs(buf *bytes.Buffer) *logsys.Logger {
	s := logsys.New(logsys.Options{Stderr: buf})
	m := icmap.New()
	_ = m.Set("logging.timestamp", "off")
	_ = m.Set("logging.to_syslog", "no")
	_ = s.Configure(m)
	return s.Subsys("MAIN")
}
