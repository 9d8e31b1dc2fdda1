package cmap

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

var nameSeq atomic.Int64

type fixture struct {
	m, stats *icmap.Map
	eng      *Engine
	srv      *ipc.Server
	name     string
	cleared  atomic.Value // last stats.clear target
	// live answers StatsLive when set.
	live atomic.Pointer[func(string) (any, bool)]
}

// newFixture serves a fresh map under a socket name of its own: other
// people's servers share this network namespace.
func newFixture(t testing.TB, tr ipc.Transport) *fixture {
	dir, err := os.MkdirTemp("/dev/shm", "gccmap")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{m: icmap.New(), stats: icmap.New()}
	f.name = fmt.Sprintf("gc-cmap-%d-%d", os.Getpid(), nameSeq.Add(1))
	f.eng = New(Config{Map: f.m, Stats: f.stats, SocketName: f.name,
		StatsClear: func(what string) { f.cleared.Store(what) },
		StatsLive: func(key string) (any, bool) {
			if fn := f.live.Load(); fn != nil {
				return (*fn)(key)
			}
			return nil, false
		}})
	f.srv = ipc.NewServer(ipc.Config{Transport: tr, ShmDir: dir})
	if _, err := f.eng.Register(f.srv); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.Start(); err != nil {
		t.Fatal(err)
	}
	f.srv.SetReady(true)
	t.Cleanup(func() {
		f.srv.Close()
		os.RemoveAll(dir)
	})
	return f
}

// client is a minimal libcmap over our ipc client and the wire structs.
type client struct {
	t testing.TB
	c *ipc.Client
}

func (f *fixture) dial(t testing.TB) *client {
	c, err := ipc.Dial(f.name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c}
}

func (c *client) req(msg []byte) []byte {
	c.t.Helper()
	res, err := c.c.Request(msg, 10*time.Second)
	if err != nil {
		c.t.Fatalf("request id %d: %v", binary.LittleEndian.Uint32(msg), err)
	}
	return res
}

// status sends a request answered by a bare header; it checks id and size.
func (c *client) status(msg []byte, wantID int32) wire.CsError {
	c.t.Helper()
	res := c.req(msg)
	h, err := wire.DecodeResponseHeader(res)
	if err != nil || h.ID != wantID || h.Size != wire.ResponseHeaderSize || len(res) != wire.ResponseHeaderSize {
		c.t.Fatalf("response %+v (%d bytes), want id %d size 24: %v", h, len(res), wantID, err)
	}
	return wire.CsError(h.Error)
}

func key(t testing.TB, s string) wire.MarName {
	n, err := wire.NewMarName(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (c *client) set(k string, typ wire.ValueType, v []byte) wire.CsError {
	c.t.Helper()
	return c.status((&wire.CmapReqSet{Key: key(c.t, k), Type: typ, Value: v}).Append(nil), wire.MessageResCmapSet)
}

func (c *client) del(k string) wire.CsError {
	c.t.Helper()
	return c.status((&wire.CmapReqDelete{Key: key(c.t, k)}).Append(nil), wire.MessageResCmapDelete)
}

func (c *client) adjust(k string, step int32) wire.CsError {
	c.t.Helper()
	return c.status((&wire.CmapReqAdjustInt{Key: key(c.t, k), Step: step}).Append(nil), wire.MessageResCmapAdjustInt)
}

func (c *client) setMap(m int32) wire.CsError {
	c.t.Helper()
	return c.status((&wire.CmapReqSetCurrentMap{Map: m}).Append(nil), wire.MessageResCmapSetCurrentMap)
}

// get returns the decoded response after checking C's size rule.
func (c *client) get(k string, bufLen uint64) *wire.CmapResGet {
	c.t.Helper()
	res := c.req((&wire.CmapReqGet{Key: key(c.t, k), ValueLen: bufLen}).Append(nil))
	g, h, err := wire.DecodeCmapResGet(res)
	if err != nil || h.ID != wire.MessageResCmapGet {
		c.t.Fatalf("get %s: %+v %v", k, h, err)
	}
	want := wire.CmapResGetSize + int(bufLen)
	if g.Error != wire.CsOK {
		want = wire.CmapResGetSize
	}
	if len(res) != want || int(h.Size) != want {
		c.t.Fatalf("get %s (buf %d, %v): %d bytes, header %d, want %d", k, bufLen, g.Error, len(res), h.Size, want)
	}
	return g
}

func (c *client) handleReq(id int32, h uint64) []byte {
	c.t.Helper()
	return c.req((&wire.CmapReqHandle{ID: id, Handle: h}).Append(nil))
}

func (c *client) handleRes(res []byte, wantID int32) *wire.CmapResHandle {
	c.t.Helper()
	r, err := wire.DecodeCmapResHandle(res)
	if err != nil || r.ID != wantID || len(res) != 32 {
		c.t.Fatalf("response %+v (%d bytes), want id %d: %v", r, len(res), wantID, err)
	}
	return r
}

func (c *client) iterInit(prefix string) *wire.CmapResHandle {
	c.t.Helper()
	return c.handleRes(c.req((&wire.CmapReqIterInit{Prefix: key(c.t, prefix)}).Append(nil)), wire.MessageResCmapIterInit)
}

func (c *client) iterNext(h uint64) *wire.CmapResIterNext {
	c.t.Helper()
	res := c.handleReq(wire.MessageReqCmapIterNext, h)
	r, err := wire.DecodeCmapResIterNext(res)
	if err != nil || len(res) != wire.CmapResIterNextSize || binary.LittleEndian.Uint32(res) != uint32(wire.MessageResCmapIterNext) {
		c.t.Fatalf("iter next: %d bytes: %v", len(res), err)
	}
	return r
}

// list iterates prefix to the end.
func (c *client) list(prefix string) []string {
	c.t.Helper()
	it := c.iterInit(prefix)
	if it.Error != wire.CsOK {
		c.t.Fatalf("iter init: %v", it.Error)
	}
	var out []string
	for {
		r := c.iterNext(it.Handle)
		if r.Error == wire.CsErrNoSections {
			break
		}
		if r.Error != wire.CsOK {
			c.t.Fatalf("iter next: %v", r.Error)
		}
		out = append(out, fmt.Sprintf("%s %s %d", r.Key.String(), r.Type, r.ValueLen))
	}
	if e := c.status((&wire.CmapReqHandle{ID: wire.MessageReqCmapIterFinalize, Handle: it.Handle}).Append(nil), wire.MessageResCmapIterFinalize); e != wire.CsOK {
		c.t.Fatalf("iter finalize: %v", e)
	}
	return out
}

func (c *client) trackAdd(k string, flags int32, inst uint64) *wire.CmapResHandle {
	c.t.Helper()
	var n wire.MarName
	if k != "" {
		n = key(c.t, k)
	}
	return c.handleRes(c.req((&wire.CmapReqTrackAdd{Key: n, TrackType: flags, TrackInstHandle: inst}).Append(nil)), wire.MessageResCmapTrackAdd)
}

func (c *client) trackDelete(h uint64) *wire.CmapResHandle {
	c.t.Helper()
	return c.handleRes(c.handleReq(wire.MessageReqCmapTrackDelete, h), wire.MessageResCmapTrackDelete)
}

func (c *client) event(timeout time.Duration) *wire.CmapNotify {
	c.t.Helper()
	b, err := c.c.RecvEvent(timeout)
	if err != nil {
		c.t.Fatalf("event: %v", err)
	}
	n, err := wire.DecodeCmapNotify(b)
	if err != nil || binary.LittleEndian.Uint32(b) != uint32(wire.MessageResCmapNotifyCallback) {
		c.t.Fatalf("event % x: %v", b[:24], err)
	}
	return n
}

// noEvent checks that nothing arrives for a short while.
func (c *client) noEvent() {
	c.t.Helper()
	if b, err := c.c.RecvEvent(100 * time.Millisecond); err == nil {
		n, _ := wire.DecodeCmapNotify(b)
		c.t.Fatalf("unexpected event %+v", n)
	}
}
