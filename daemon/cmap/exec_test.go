package cmap

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/wire"
)

type execRig struct {
	x        *Exec
	m        *icmap.Map
	sent     []*wire.CmapMcast
	shutdown int
	logs     []string
}

func newExecRig(t *testing.T, nodeid uint32, version any) *execRig {
	t.Helper()
	r := &execRig{m: icmap.New()}
	if version != nil {
		if err := r.m.Set(configVersionKey, version); err != nil {
			t.Fatal(err)
		}
	}
	r.x = NewExec(ExecConfig{Map: r.m, NodeID: nodeid,
		Mcast: func(b []byte) error {
			m, err := wire.DecodeCmapMcast(b)
			if err != nil {
				t.Errorf("we sent an undecodable MCAST: %v", err)
			}
			r.sent = append(r.sent, m)
			return nil
		},
		Shutdown: func() { r.shutdown++ },
		Log: func(l logsys.Level, f string, a ...any) {
			r.logs = append(r.logs, fmt.Sprintf("%d %s", l, fmt.Sprintf(f, a...)))
		},
	})
	if err := r.x.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

func mcastFrom(t *testing.T, reason wire.CmapMcastReason, v any) []byte {
	t.Helper()
	it, err := wire.NewCmapMcastItem(configVersionKey, v)
	if err != nil {
		t.Fatal(err)
	}
	b, err := (&wire.CmapMcast{Reason: reason, Items: []wire.CmapMcastItem{it}}).Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A sync round announces our version (328 bytes without one, as in the
// captures) and records every member's in runtime.members.<id>.config_version.
func TestExecSyncRecordsMembersVersions(t *testing.T) {
	r := newExecRig(t, 1, nil)
	r.x.Init([]uint32{1}, []uint32{1, 2}, wire.RingID{})
	if !r.x.Process() || len(r.sent) != 1 {
		t.Fatalf("Process sent %d messages", len(r.sent))
	}
	b, _ := r.sent[0].Append(nil)
	if len(b) != 328 || r.sent[0].Reason != wire.CmapMcastReasonSync || r.sent[0].Items[0].Type != wire.ValueNotExist {
		t.Errorf("sync MCAST without a version: %d bytes, %+v", len(b), r.sent[0])
	}
	r.x.Deliver(1, b)
	r.x.Deliver(2, mcastFrom(t, wire.CmapMcastReasonSync, uint64(7)))
	for id, want := range map[uint32]uint64{1: 0, 2: 7} {
		got, err := icmap.GetAs[uint64](r.m, fmt.Sprintf("runtime.members.%d.config_version", id))
		if err != nil || got != want {
			t.Errorf("node %d config_version = %d, %v; want %d", id, got, err, want)
		}
	}
	r.x.Activate()
	if r.shutdown != 0 {
		t.Error("a node without config_version must not leave")
	}
}

// On its first sync with others, a node whose config_version differs from
// the highest one received leaves, as C does; later syncs do not check.
func TestExecActivateVersionMismatch(t *testing.T) {
	r := newExecRig(t, 1, uint64(3))
	r.x.Init([]uint32{1}, []uint32{1, 2}, wire.RingID{})
	r.x.Deliver(2, mcastFrom(t, wire.CmapMcastReasonSync, uint64(5)))
	r.x.Activate()
	if r.shutdown != 1 {
		t.Fatalf("shutdown requests: %d, want 1; logs %q", r.shutdown, r.logs)
	}
	want := fmt.Sprintf("%d Received config version (5) is different than my config version (3)! Exiting", logsys.Error)
	if len(r.logs) == 0 || r.logs[len(r.logs)-1] != want {
		t.Errorf("logs %q, want last %q", r.logs, want)
	}
	r.x.Init([]uint32{1}, []uint32{1, 2}, wire.RingID{})
	r.x.Deliver(2, mcastFrom(t, wire.CmapMcastReasonSync, uint64(9)))
	r.x.Activate()
	if r.shutdown != 1 || !strings.HasSuffix(r.logs[len(r.logs)-1], "Not first sync -> no action") {
		t.Errorf("second sync: shutdowns %d, logs %q", r.shutdown, r.logs)
	}
}

// Alone (empty transitional membership) there is nothing to compare, and
// the first real sync is still to come.
func TestExecSingleNodeSync(t *testing.T) {
	r := newExecRig(t, 1, uint64(3))
	r.x.Init(nil, []uint32{1}, wire.RingID{})
	r.x.Activate()
	r.x.Init([]uint32{1}, []uint32{1, 2}, wire.RingID{})
	r.x.Deliver(2, mcastFrom(t, wire.CmapMcastReasonSync, uint64(4)))
	r.x.Activate()
	if r.shutdown != 1 {
		t.Errorf("first sync with others after a single-node one: %d shutdowns, want 1; logs %q", r.shutdown, r.logs)
	}
}

// A changed totem.config_version (cfg reload) is announced at once; our
// own message does not count as "received" for the mismatch check.
func TestExecNewConfigVersion(t *testing.T) {
	r := newExecRig(t, 1, uint64(1))
	if err := r.m.Set(configVersionKey, uint64(2)); err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 1 || r.sent[0].Reason != wire.CmapMcastReasonNewConfigVersion {
		t.Fatalf("sent %+v", r.sent)
	}
	r.x.Init([]uint32{1}, []uint32{1, 2}, wire.RingID{})
	r.x.Deliver(1, mcastFrom(t, wire.CmapMcastReasonSync, uint64(99)))
	r.x.Deliver(2, mcastFrom(t, wire.CmapMcastReasonNewConfigVersion, uint64(2)))
	r.x.Activate()
	if r.shutdown != 0 {
		t.Errorf("equal versions: shutdown requested; logs %q", r.logs)
	}
	r.x.Stop()
	_ = r.m.Set(configVersionKey, uint64(3))
	if len(r.sent) != 1 {
		t.Errorf("tracking continued after Stop: %d messages", len(r.sent))
	}
}

// Unknown reasons, other functions and truncated messages change nothing.
func TestExecDeliverIgnores(t *testing.T) {
	r := newExecRig(t, 1, nil)
	good := mcastFrom(t, wire.CmapMcastReasonSync, uint64(4))
	bad := append([]byte(nil), good...)
	bad[16] = 7
	other := append([]byte(nil), good...)
	other[0] = 1
	for _, m := range [][]byte{bad, other, good[:100], good[:10], nil} {
		r.x.Deliver(2, m)
	}
	if _, err := icmap.GetAs[uint64](r.m, "runtime.members.2.config_version"); err == nil {
		t.Error("an ignored message set runtime.members.2.config_version")
	}
}

func FuzzExecDeliver(f *testing.F) {
	it, _ := wire.NewCmapMcastItem(configVersionKey, uint64(4))
	b, _ := (&wire.CmapMcast{Items: []wire.CmapMcastItem{it}}).Append(nil)
	f.Add(uint32(2), b)
	f.Add(uint32(1), b[:48])
	f.Fuzz(func(t *testing.T, nodeid uint32, msg []byte) {
		m := icmap.New()
		x := NewExec(ExecConfig{Map: m, NodeID: 1})
		x.Init([]uint32{1}, []uint32{1, nodeid}, wire.RingID{})
		x.Deliver(nodeid, msg)
		x.Activate()
	})
}
