package daemon

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
)

// TestMonWdLoaded: the mon and wd engines load between cpg and
// votequorum, with Debian's lines for a default node (no watchdog
// device, mon resources without a recovery key).
func TestMonWdLoaded(t *testing.T) {
	var stderr bytes.Buffer
	d, sigs, done := startInProcess(t, "../etc/corosync.conf", &stderr)
	if v, err := d.Map.GetUint32("resources.watchdog_timeout"); err != nil || v != 6 {
		t.Errorf("resources.watchdog_timeout = %d, %v", v, err)
	}
	if s, err := d.Map.GetString("resources.system.memory_used.state"); err != nil || s != "stopped" {
		t.Errorf("resources.system.memory_used.state = %q, %v", s, err)
	}
	sigs <- syscall.SIGTERM
	if code := <-done; code != 0 {
		t.Errorf("exit status %d", code)
	}
	log := stderr.String()
	at := -1
	for _, want := range []string{
		"[SERV  ] Service engine loaded: corosync cluster closed process group service v1.01 [2]\n",
		"[SERV  ] Service engine loaded: corosync resource monitoring service [6]\n",
		"[WD    ] Watchdog not enabled by configuration\n",
		"[WD    ] resource load_15min missing a recovery key.\n",
		"[WD    ] resource memory_used missing a recovery key.\n",
		"[WD    ] no resources configured.\n",
		"[SERV  ] Service engine loaded: corosync watchdog service [7]\n",
		"[SERV  ] Service engine loaded: corosync vote quorum service v1.0 [5]\n",
	} {
		i := strings.Index(log, want)
		if i <= at {
			t.Errorf("log lacks %q after the previous line:\n%s", want, log)
			break
		}
		at = i
	}
}
