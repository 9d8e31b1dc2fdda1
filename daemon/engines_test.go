package daemon

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
)

// TestEnginesSingleNodeQuorate runs the daemon alone on its in-memory
// network: the engines must take part in sync (votequorum's NODEINFO
// comes back through exec delivery, cmap's config_version reaches
// runtime.members), the quorum service must log the membership and the
// primary component as C does, and the counters must show the traffic.
func TestEnginesSingleNodeQuorate(t *testing.T) {
	var stderr bytes.Buffer
	d, sigs, done := startInProcess(t, "../etc/corosync.conf", &stderr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, errCV := icmap.GetAs[uint64](d.Map, "runtime.members.1.config_version")
		rx, _ := icmap.GetAs[uint64](d.Map, "runtime.services.votequorum.0.rx")
		var members []uint32
		d.eng.exec(func() { members = d.eng.vq.Members() })
		if errCV == nil && rx > 0 && len(members) == 1 {
			break
		}
		if time.Now().After(deadline) {
			sigs <- syscall.SIGTERM
			<-done
			t.Fatalf("no config_version exchange or NODEINFO delivery within 10 s (rx %d):\n%s", rx, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if id, err := d.Map.GetUint32("runtime.votequorum.this_node_id"); err != nil || id != 1 {
		t.Errorf("runtime.votequorum.this_node_id = %d, %v; want 1", id, err)
	}
	tx, _ := icmap.GetAs[uint64](d.Map, "runtime.services.cmap.0.tx")
	rx, _ := icmap.GetAs[uint64](d.Map, "runtime.services.cmap.0.rx")
	if tx == 0 || rx == 0 {
		t.Errorf("runtime.services.cmap.0 tx %d rx %d: the sync MCAST was not counted", tx, rx)
	}
	sigs <- syscall.SIGTERM
	if code := <-done; code != 0 {
		t.Errorf("exit status %d", code)
	}
	log := stderr.String()
	// In C's order: votequorum alone is quorate at start, before any
	// ring (C logs the empty view too), then the first sync's view.
	at := -1
	for _, want := range []string{
		"[QUORUM] This node is within the primary component and will provide service.",
		"[QUORUM] Members[0]:\n",
		"[QUORUM] Sync members[1]: 1\n",
		"[QUORUM] Members[1]: 1\n",
	} {
		i := strings.Index(log, want)
		if i <= at {
			t.Errorf("log lacks %q after the previous line:\n%s", want, log)
			break
		}
		at = i
	}
}

// TestEnginesShutdownRequest: api->shutdown_request (cfg's shutdown, cmap's
// config_version mismatch) ends the daemon with status 0 and without the
// signal's log line.
func TestEnginesShutdownRequest(t *testing.T) {
	var stderr bytes.Buffer
	d, _, done := startInProcess(t, "../etc/corosync.conf", &stderr)
	d.requestShutdown()
	d.requestShutdown() // a second request must not panic
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit status %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("daemon did not stop on a shutdown request")
	}
	if log := stderr.String(); strings.Contains(log, "Node was shut down by a signal") {
		t.Errorf("shutdown request logged as a signal:\n%s", log)
	}
}
