package totemsrp

import (
	"testing"
	"time"
)

func TestReconfigure(t *testing.T) {
	n, err := New(Defaults(1, 3), 0)
	if err != nil {
		t.Fatal(err)
	}
	old := n.Config()

	bad := Defaults(1, 3)
	bad.Consensus = 0
	if err := n.Reconfigure(bad); err == nil {
		t.Fatal("consensus 0 accepted")
	}
	if n.Config() != old {
		t.Fatalf("a refused reconfiguration changed the config: %+v", n.Config())
	}

	next := Defaults(9, 3) // the node id is not the reload's to change
	next.Token, next.Consensus, next.WindowSize = 2650*time.Millisecond, 3180*time.Millisecond, 30
	next.NetMTU = 9000
	if err := n.Reconfigure(next); err != nil {
		t.Fatal(err)
	}
	got := n.Config()
	if got.Token != next.Token || got.Consensus != next.Consensus || got.WindowSize != 30 {
		t.Errorf("timers not taken: %+v", got)
	}
	if got.NodeID != 1 || got.NetMTU != old.NetMTU {
		t.Errorf("node id %d, netmtu %d changed at run time (want 1, %d)", got.NodeID, got.NetMTU, old.NetMTU)
	}
}
