package mon

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/internal/enginetest"
)

type rig struct {
	t     *testing.T
	m     *icmap.Map
	mon   *Monitor
	clock *enginetest.Clock
	logs  *enginetest.LogRec
	mem   int32
	load  float64
	err   error
	fatal int
}

func newRig(t *testing.T, pre map[string]any) *rig {
	t.Helper()
	r := &rig{t: t, m: icmap.New(), clock: &enginetest.Clock{}, logs: &enginetest.LogRec{}, mem: 42, load: 0.25}
	for k, v := range pre {
		if err := r.m.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	r.mon = New(Config{Map: r.m, Log: r.logs.Log, AfterFunc: r.clock.AfterFunc, Now: r.clock.Nanos,
		MemoryUsed: func() (int32, error) { return r.mem, r.err },
		Load15:     func() (float64, error) { return r.load, r.err },
		Fatal:      func() { r.fatal++ },
	})
	if err := r.mon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.mon.Stop)
	return r
}

// listing prints the resources.* keys as corosync-cmapctl does.
func (r *rig) listing() string {
	var b strings.Builder
	for _, e := range r.m.Snapshot("resources.") {
		v := fmt.Sprint(e.Value)
		if f, ok := e.Value.(float64); ok {
			v = fmt.Sprintf("%f", f)
		}
		fmt.Fprintf(&b, "%s (%s) = %s\n", e.Key, e.Type, v)
	}
	return b.String()
}

func (r *rig) get(key string) string {
	r.t.Helper()
	v, typ, err := r.m.Get(key)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("(%s) %f", typ, f)
	}
	return fmt.Sprintf("(%s) %v", typ, v)
}

func (r *rig) set(key string, v any) {
	r.t.Helper()
	if err := r.m.Set(key, v); err != nil {
		r.t.Fatal(err)
	}
}
