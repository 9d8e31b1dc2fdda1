package harness

import (
	"fmt"
	"io"
	"os"
)

// LogFiles returns the host's log files, by label: the corosync logfile,
// the daemons' captured stdout+stderr and Pacemaker's log.
func (h *Host) LogFiles() [][2]string {
	return [][2]string{
		{"corosync logfile", h.Path("log", "corosync.log")},
		{"corosync stdout+stderr", h.Path("corosync.out")},
		{"pacemakerd stdout+stderr", h.Path("pacemakerd.out")},
		{"pacemaker log", h.Path("pcmk-log", "pacemaker.log")},
	}
}

// DumpLogs prints the tail (LogTailBytes) of every host's logs to the test
// log. Teardown calls it when the test failed.
func (c *Cluster) DumpLogs() {
	for _, h := range c.Hosts {
		for _, lf := range h.LogFiles() {
			tail, size, err := readTail(lf[1], c.LogTailBytes)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				c.t.Logf("==== %s %s: %v", h.Name, lf[0], err)
				continue
			}
			c.t.Logf("==== %s %s (%s, last %d of %d bytes):\n%s", h.Name, lf[0], lf[1], len(tail), size, tail)
		}
	}
}

func readTail(path string, n int) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	off := st.Size() - int64(n)
	if off < 0 {
		off = 0
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return "", 0, err
	}
	b, err := io.ReadAll(io.LimitReader(f, int64(n)))
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return string(b), st.Size(), nil
}
