package cmap

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// Keys with a live source read their value at get time (stats_map_get),
// not what was stored when the key was added; others keep the stored one.
func TestStatsLiveValues(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	f.stats.Set("stats.ipcs.global.active", uint64(0))
	f.stats.Set("stats.ipcs.x.procname", "")
	f.stats.Set("stats.srp.orf_token_tx", uint64(7))
	var reads uint64
	live := func(key string) (any, bool) {
		switch key {
		case "stats.ipcs.global.active":
			reads++
			return reads, true
		case "stats.ipcs.x.procname":
			return "corosync-cmapct", true
		}
		return nil, false
	}
	f.live.Store(&live)
	c := f.dial(t)
	if e := c.setMap(wire.CmapSetMapStats); e != wire.CsOK {
		t.Fatal(e)
	}
	for want := uint64(1); want <= 2; want++ {
		g := c.get("stats.ipcs.global.active", 8)
		if g.Error != wire.CsOK || g.Type != wire.ValueUint64 || binary.LittleEndian.Uint64(g.Value) != want {
			t.Fatalf("live u64, read %d: %+v", want, g)
		}
	}
	if g := c.get("stats.ipcs.x.procname", 64); g.Error != wire.CsOK || g.Type != wire.ValueString || string(g.Value[:g.ValueLen]) != "corosync-cmapct\x00" {
		t.Fatalf("live string: %+v", g)
	}
	if g := c.get("stats.srp.orf_token_tx", 8); g.Error != wire.CsOK || binary.LittleEndian.Uint64(g.Value) != 7 {
		t.Fatalf("stored value: %+v", g)
	}
	got := strings.Join(c.list("stats."), "\n")
	for _, k := range []string{"stats.ipcs.global.active u64", "stats.ipcs.x.procname str", "stats.srp.orf_token_tx u64"} {
		if !strings.Contains(got, k) {
			t.Errorf("listing lacks %q:\n%s", k, got)
		}
	}
}
