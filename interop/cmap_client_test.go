//go:build interop

package interop

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// cmapChildEnv makes the test binary, re-executed inside a host's network
// namespace and mounts, run cmapClientScenario and print its transcript.
const cmapChildEnv = "GOROSYNC_CMAP_SCENARIO_CHILD"

func init() {
	if os.Getenv(cmapChildEnv) == "" {
		return
	}
	if os.Getenv(cmapChildEnv) == "bench" {
		if err := cmapRoundTrips(); err != nil {
			fmt.Println("CMAPFAIL", err)
			os.Exit(1)
		}
		fmt.Println("CMAPOK")
		os.Exit(0)
	}
	tr, err := cmapClientScenario()
	fmt.Print(tr)
	if err != nil {
		fmt.Println("CMAPFAIL", err)
		os.Exit(1)
	}
	fmt.Println("CMAPOK")
	os.Exit(0)
}

// TestCmapGoClientOnCAndGo runs one libcmap scenario, written with our ipc
// client and wire structs, against Debian's C corosync and against our
// daemon on the same corosync.conf. Each run prints a transcript of every
// response and event (ids, sizes, cs_error_t, values; raw bytes where C
// zeroes the whole message). The two transcripts must be identical: C is
// the reference for every reply our cmap service gives.
// Both libqb transports are covered (system.qb_ipc_type native and socket).
func TestCmapGoClientOnCAndGo(t *testing.T) {
	for _, tr := range []string{"shm", "socket"} {
		t.Run(tr, func(t *testing.T) { cmapGoClientOnCAndGo(t, tr) })
	}
}

// runCmapChild runs the test binary in mode on h and returns its output.
func runCmapChild(t *testing.T, h *harness.Host, mode string, impl harness.Impl) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := h.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cmapChildEnv+"="+mode)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "CMAPOK") {
		t.Fatalf("%s against %v corosync failed: %v\n%s", mode, impl, err, out)
	}
	return string(out)
}

func cmapGoClientOnCAndGo(t *testing.T, tr string) {
	cfg := harness.Config{ClusterName: "gccmap"}
	if tr == "socket" {
		// The harness template has no system section: close totem early
		// and open one (the template's "}" closes it).
		cfg.TotemExtra = []string{"}", "system {", "qb_ipc_type: socket"}
	}
	c := harness.New(t, 1, cfg)
	h := c.Host(1)
	transcripts := map[harness.Impl]string{}
	for _, impl := range []harness.Impl{harness.C, harness.Go} {
		h.StartCorosync(impl)
		h.WaitCmap(30 * time.Second)
		transcripts[impl] = runCmapChild(t, h, "scenario", impl)
		if tr == "shm" {
			// Figures only, for the report: no assertion on time.
			t.Logf("round trips against %v corosync: %s", impl, strings.TrimSpace(strings.TrimSuffix(runCmapChild(t, h, "bench", impl), "CMAPOK\n")))
		}
		h.StopCorosync()
	}
	if !strings.Contains(transcripts[harness.C], "connected: transport "+tr) {
		t.Fatalf("C corosync did not use %s:\n%s", tr, transcripts[harness.C])
	}
	cl, gl := strings.Split(transcripts[harness.C], "\n"), strings.Split(transcripts[harness.Go], "\n")
	t.Logf("%s: %d transcript lines against C", tr, len(cl))
	diffs := 0
	for i := 0; i < max(len(cl), len(gl)); i++ {
		var a, b string
		if i < len(cl) {
			a = cl[i]
		}
		if i < len(gl) {
			b = gl[i]
		}
		if a != b {
			diffs++
			t.Errorf("line %d:\n  C:  %s\n  Go: %s", i+1, a, b)
		}
	}
	if diffs > 0 {
		t.Logf("C transcript:\n%s", transcripts[harness.C])
		t.Fatalf("%d lines differ", diffs)
	}
	// The comparison is only as good as what the scenario saw.
	for _, want := range []string{"event ADD gc.trk", "event MODIFY gc.trk", "event DELETE gc.trk",
		"event ADD gc.pfx.b", "event MODIFY gc.t.u16 inst 0x52", "event ADD gc.pfx.c inst 0x42", "BUSY", "CS_ERR_ACCESS", "CS_ERR_BAD_HANDLE", "CS_ERR_NOT_SUPPORTED"} {
		if !strings.Contains(transcripts[harness.C], want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
}

// scen records a transcript while driving one connection.
type scen struct {
	c   *ipc.Client
	out strings.Builder
	err error
}

func (s *scen) logf(format string, args ...any) { fmt.Fprintf(&s.out, format+"\n", args...) }

func (s *scen) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf(format, args...)
	}
}

func (s *scen) req(msg []byte) []byte {
	if s.err != nil {
		return nil
	}
	res, err := s.c.Request(msg, 10*time.Second)
	if err != nil {
		s.fail("request id %d: %v", binary.LittleEndian.Uint32(msg), err)
		return nil
	}
	return res
}

func name(k string) wire.MarName {
	var n wire.MarName
	n.Length = uint16(copy(n.Value[:], k))
	return n
}

// status logs a bare-header response: id, size, error.
func (s *scen) status(what string, msg []byte) {
	res := s.req(msg)
	if res == nil {
		return
	}
	h, err := wire.DecodeResponseHeader(res)
	if err != nil {
		s.fail("%s: %v", what, err)
		return
	}
	s.logf("%s: id %d size %d len %d %v", what, h.ID, h.Size, len(res), wire.CsError(h.Error))
}

// get logs a GET response in full: C zeroes it before filling it in.
func (s *scen) get(k string, bufLen uint64) {
	res := s.req((&wire.CmapReqGet{Key: name(k), ValueLen: bufLen}).Append(nil))
	if res == nil {
		return
	}
	g, h, err := wire.DecodeCmapResGet(res)
	if err != nil {
		s.fail("get %s: %v", k, err)
		return
	}
	s.logf("get %s buf %d: id %d size %d %v value_len %d type %v bytes %s", k, bufLen, h.ID, h.Size, g.Error,
		g.ValueLen, g.Type, hex.EncodeToString(res[24:]))
}

func (s *scen) handleRes(what string, res []byte) uint64 {
	if res == nil {
		return 0
	}
	r, err := wire.DecodeCmapResHandle(res)
	if err != nil {
		s.fail("%s: %v", what, err)
		return 0
	}
	// Only the slot is deterministic; hdb's check half is random.
	s.logf("%s: id %d len %d %v slot %d zero %v", what, r.ID, len(res), r.Error, uint32(r.Handle), r.Handle == 0)
	return r.Handle
}

func (s *scen) iterNext(h uint64) bool {
	res := s.req((&wire.CmapReqHandle{ID: wire.MessageReqCmapIterNext, Handle: h}).Append(nil))
	if res == nil {
		return false
	}
	r, err := wire.DecodeCmapResIterNext(res)
	if err != nil {
		s.fail("iter next: %v", err)
		return false
	}
	s.logf("iter next: len %d %v key %q (len %d) type %v value_len %d", len(res), r.Error, r.Key.CString(), r.Key.Length, r.Type, r.ValueLen)
	return r.Error == wire.CsOK
}

var eventNames = map[int32]string{wire.CmapTrackAdd: "ADD", wire.CmapTrackDelete: "DELETE", wire.CmapTrackModify: "MODIFY"}

// event waits for one notification and logs it whole: C zeroes it too.
func (s *scen) event() {
	if s.err != nil {
		return
	}
	b, err := s.c.RecvEvent(10 * time.Second)
	if err != nil {
		s.fail("event: %v", err)
		return
	}
	n, err := wire.DecodeCmapNotify(b)
	if err != nil {
		s.fail("event: %v", err)
		return
	}
	s.logf("event %s %s inst %#x new %v %q old %v %q raw %s", eventNames[n.Event], n.Key.CString(), n.TrackInstHandle,
		n.NewType, n.NewValue, n.OldType, n.OldValue, hex.EncodeToString(b))
}

func (s *scen) set(what, k string, t wire.ValueType, v []byte) {
	s.status("set "+what+" "+k, (&wire.CmapReqSet{Key: name(k), Type: t, Value: v}).Append(nil))
}

func (s *scen) hreq(id int32, h uint64) []byte {
	return s.req((&wire.CmapReqHandle{ID: id, Handle: h}).Append(nil))
}

func cmapClientScenario() (string, error) {
	c, err := ipc.Dial("cmap", nil)
	if err != nil {
		return "", fmt.Errorf("dial cmap: %w", err)
	}
	defer c.Close()
	s := &scen{c: c}
	s.logf("connected: transport %v max %d", c.Transport(), c.MaxMsgSize())
	s.status("set map default", (&wire.CmapReqSetCurrentMap{Map: wire.CmapSetMapDefault}).Append(nil))

	// GET: metadata only, exact, short and larger buffers, missing key.
	s.get("totem.cluster_name", 0)
	s.get("totem.cluster_name", 7)
	s.get("totem.cluster_name", 3)
	s.get("totem.cluster_name", 64)
	s.get("nodelist.node.0.nodeid", 16)
	s.get("gc.no.such.key", 16)
	s.get("gc.no.such.key", 0)

	// SET of every type, read back.
	le := binary.LittleEndian
	vals := []struct {
		t wire.ValueType
		v []byte
	}{
		{wire.ValueInt8, []byte{0xfe}}, {wire.ValueUint8, []byte{200}},
		{wire.ValueInt16, le.AppendUint16(nil, 0xff00)}, {wire.ValueUint16, le.AppendUint16(nil, 60000)},
		{wire.ValueInt32, le.AppendUint32(nil, 0xffff0000)}, {wire.ValueUint32, le.AppendUint32(nil, 4000000000)},
		{wire.ValueInt64, le.AppendUint64(nil, 1<<63)}, {wire.ValueUint64, le.AppendUint64(nil, ^uint64(0))},
		{wire.ValueFloat, le.AppendUint32(nil, 0x3fc00000)}, {wire.ValueDouble, le.AppendUint64(nil, 0xc002000000000000)},
		{wire.ValueString, []byte("hello")}, {wire.ValueBinary, []byte{0, 1, 2, 0, 3}},
	}
	for _, v := range vals {
		k := "gc.t." + v.t.String()
		s.set("type", k, v.t, v.v)
		s.get(k, 16)
	}
	s.set("empty string", "gc.t.empty", wire.ValueString, nil)
	s.get("gc.t.empty", 4)
	s.set("empty binary", "gc.t.emptybin", wire.ValueBinary, nil)
	s.get("gc.t.emptybin", 4)
	s.set("string with NUL", "gc.t.nul", wire.ValueString, []byte("ab\x00"))
	s.get("gc.t.nul", 8)

	// SET errors.
	s.set("wrong int size", "gc.e.a", wire.ValueUint32, []byte{1, 2})
	s.set("type 13", "gc.e.a", 13, []byte{1})
	s.set("type 0", "gc.e.a", 0, []byte{1})
	s.set("value too long", "gc.e.a", wire.ValueBinary, make([]byte, 16385))
	s.set("longest value", "gc.e.long", wire.ValueBinary, make([]byte, 16384))
	s.set("bytes after NUL", "gc.e.s", wire.ValueString, []byte("ab\x00c"))
	s.set("short name", "gc", wire.ValueUint8, []byte{1})
	s.set("bad char", "gc.e.a b", wire.ValueUint8, []byte{1})
	s.set("read-only key", "totem.cluster_name", wire.ValueString, []byte("x"))
	s.set("read-only prefix", "runtime.config.totem.token", wire.ValueUint32, le.AppendUint32(nil, 1))
	s.set("type change", "gc.t.u8", wire.ValueString, []byte("now a string"))
	s.get("gc.t.u8", 32)

	// DELETE and ADJUST.
	s.status("delete missing", (&wire.CmapReqDelete{Key: name("gc.no.such.key")}).Append(nil))
	s.status("delete read-only", (&wire.CmapReqDelete{Key: name("totem.cluster_name")}).Append(nil))
	s.status("delete", (&wire.CmapReqDelete{Key: name("gc.e.long")}).Append(nil))
	s.get("gc.e.long", 0)
	s.set("u8 max", "gc.a.u8", wire.ValueUint8, []byte{255})
	s.status("adjust +1", (&wire.CmapReqAdjustInt{Key: name("gc.a.u8"), Step: 1}).Append(nil))
	s.get("gc.a.u8", 8)
	s.status("adjust -3", (&wire.CmapReqAdjustInt{Key: name("gc.a.u8"), Step: -3}).Append(nil))
	s.get("gc.a.u8", 8)
	s.status("adjust string", (&wire.CmapReqAdjustInt{Key: name("gc.t.str"), Step: 1}).Append(nil))
	s.status("adjust float", (&wire.CmapReqAdjustInt{Key: name("gc.t.flt"), Step: 1}).Append(nil))
	s.status("adjust missing", (&wire.CmapReqAdjustInt{Key: name("gc.no.such.key"), Step: 1}).Append(nil))
	s.status("adjust read-only", (&wire.CmapReqAdjustInt{Key: name("runtime.config.totem.token"), Step: 1}).Append(nil))

	// Iteration.
	it := s.handleRes("iter init gc.t.", s.req((&wire.CmapReqIterInit{Prefix: name("gc.t.")}).Append(nil)))
	for i := 0; i < 30 && s.iterNext(it); i++ {
	}
	s.iterNext(it) // past the end again
	s.iterNext(it + 1)
	s.iterNext(it ^ 1<<40)
	s.status("iter finalize", (&wire.CmapReqHandle{ID: wire.MessageReqCmapIterFinalize, Handle: it}).Append(nil))
	s.status("iter finalize again", (&wire.CmapReqHandle{ID: wire.MessageReqCmapIterFinalize, Handle: it}).Append(nil))
	s.iterNext(it)
	it2 := s.handleRes("iter init gc.a.", s.req((&wire.CmapReqIterInit{Prefix: name("gc.a.")}).Append(nil)))
	s.iterNext(0xffffffff<<32 | it2&0xffffffff) // hdb's wildcard check
	s.iterNext(it2)

	// Tracking: key, prefix, every event, with old and new values.
	all := wire.CmapTrackAdd | wire.CmapTrackDelete | wire.CmapTrackModify
	tk := s.handleRes("track add gc.trk", s.req((&wire.CmapReqTrackAdd{Key: name("gc.trk"), TrackType: all, TrackInstHandle: 0x1122334455667788}).Append(nil)))
	pt := s.handleRes("track add prefix gc.pfx.", s.req((&wire.CmapReqTrackAdd{Key: name("gc.pfx."), TrackType: wire.CmapTrackAdd | wire.CmapTrackPrefix, TrackInstHandle: 0x42}).Append(nil)))
	s.handleRes("track add bad flags", s.req((&wire.CmapReqTrackAdd{Key: name("gc.trk"), TrackType: 16 | wire.CmapTrackAdd, TrackInstHandle: 1}).Append(nil)))
	s.set("tracked add", "gc.trk", wire.ValueString, []byte("one"))
	s.event()
	s.set("tracked modify", "gc.trk", wire.ValueUint32, le.AppendUint32(nil, 7))
	s.event()
	s.set("tracked same value", "gc.trk", wire.ValueUint32, le.AppendUint32(nil, 7))
	s.status("tracked adjust", (&wire.CmapReqAdjustInt{Key: name("gc.trk"), Step: 2}).Append(nil))
	s.event()
	s.set("untracked neighbour", "gc.trkx", wire.ValueUint8, []byte{1})
	s.status("tracked delete", (&wire.CmapReqDelete{Key: name("gc.trk")}).Append(nil))
	s.event()
	s.set("prefix add", "gc.pfx.a", wire.ValueUint8, []byte{1})
	s.event()
	s.set("prefix modify (untracked)", "gc.pfx.a", wire.ValueUint8, []byte{2})
	s.set("prefix add", "gc.pfx.b", wire.ValueBinary, []byte{9, 8})
	s.event()
	// No key: without PREFIX nothing matches (qb trie root, not
	// recursive), with PREFIX every key does.
	none := s.handleRes("track add no key", s.req((&wire.CmapReqTrackAdd{TrackType: all, TrackInstHandle: 0x51}).Append(nil)))
	ak := s.handleRes("track add no key prefix", s.req((&wire.CmapReqTrackAdd{TrackType: wire.CmapTrackModify | wire.CmapTrackPrefix, TrackInstHandle: 0x52}).Append(nil)))
	s.set("modify seen by all-keys track", "gc.t.u16", wire.ValueUint16, le.AppendUint16(nil, 1))
	s.event()
	s.handleRes("track delete", s.hreq(wire.MessageReqCmapTrackDelete, ak))
	s.handleRes("track delete", s.hreq(wire.MessageReqCmapTrackDelete, none))
	s.set("prefix add after", "gc.pfx.c", wire.ValueUint8, []byte{3})
	s.event()
	s.status("set map with tracks open", (&wire.CmapReqSetCurrentMap{Map: wire.CmapSetMapStats}).Append(nil))
	s.handleRes("track delete", s.hreq(wire.MessageReqCmapTrackDelete, pt))
	s.handleRes("track delete again", s.hreq(wire.MessageReqCmapTrackDelete, pt))
	s.handleRes("track delete", s.hreq(wire.MessageReqCmapTrackDelete, tk))
	s.status("set map with iterator open", (&wire.CmapReqSetCurrentMap{Map: wire.CmapSetMapStats}).Append(nil))
	s.status("iter finalize", (&wire.CmapReqHandle{ID: wire.MessageReqCmapIterFinalize, Handle: it2}).Append(nil))

	// The stats map: read-only but for stats.clear.*.
	s.status("set map 2", (&wire.CmapReqSetCurrentMap{Map: 2}).Append(nil))
	s.status("set map stats", (&wire.CmapReqSetCurrentMap{Map: wire.CmapSetMapStats}).Append(nil))
	s.get("totem.cluster_name", 16)
	s.get("stats.no.such.key", 16)
	s.set("stats", "stats.srp.orf_token_tx", wire.ValueUint64, make([]byte, 8))
	s.set("stats unknown", "gc.x", wire.ValueUint8, []byte{1})
	s.set("stats clear bogus", "stats.clear.bogus", wire.ValueUint8, []byte{1})
	s.set("stats clear all", "stats.clear.all", wire.ValueUint8, []byte{1})
	s.status("stats delete", (&wire.CmapReqDelete{Key: name("stats.srp.orf_token_tx")}).Append(nil))
	s.status("stats delete clear", (&wire.CmapReqDelete{Key: name("stats.clear.all")}).Append(nil))
	s.status("stats adjust clear", (&wire.CmapReqAdjustInt{Key: name("stats.clear.all"), Step: 1}).Append(nil))
	s.handleRes("stats track prefix add only", s.req((&wire.CmapReqTrackAdd{Key: name("stats."), TrackType: wire.CmapTrackAdd | wire.CmapTrackPrefix, TrackInstHandle: 3}).Append(nil)))
	st := s.handleRes("stats track prefix add+delete", s.req((&wire.CmapReqTrackAdd{Key: name("stats.gc."), TrackType: wire.CmapTrackAdd | wire.CmapTrackDelete | wire.CmapTrackPrefix, TrackInstHandle: 4}).Append(nil)))
	s.handleRes("stats track delete", s.hreq(wire.MessageReqCmapTrackDelete, st))
	s.status("set map default", (&wire.CmapReqSetCurrentMap{Map: wire.CmapSetMapDefault}).Append(nil))
	s.get("gc.t.str", 16)

	// An id no handler has: the dispatcher's bare {0, 24, INVALID_PARAM}.
	s.status("request id 10", wire.RequestHeader{ID: 10, Size: 16}.Append(nil))
	s.status("request id 1000", wire.RequestHeader{ID: 1000, Size: 16}.Append(nil))
	return s.out.String(), s.err
}

// cmapRoundTrips times GET and SET round trips of one connection, the
// figures to hold our daemon against C's.
func cmapRoundTrips() error {
	c, err := ipc.Dial("cmap", nil)
	if err != nil {
		return err
	}
	defer c.Close()
	const n = 20000
	get := (&wire.CmapReqGet{Key: name("totem.cluster_name"), ValueLen: 64}).Append(nil)
	set := wire.CmapReqSet{Key: name("gc.bench.key"), Type: wire.ValueUint32, Value: make([]byte, 4)}
	for _, op := range []struct {
		name string
		msg  func(i int) []byte
	}{
		{"get", func(int) []byte { return get }},
		{"set", func(i int) []byte { binary.LittleEndian.PutUint32(set.Value, uint32(i)); return set.Append(nil) }},
	} {
		start := time.Now()
		for i := 0; i < n; i++ {
			res, err := c.Request(op.msg(i), 10*time.Second)
			if err != nil {
				return err
			}
			if h, _ := wire.DecodeResponseHeader(res); h.Error != int32(wire.CsOK) {
				return fmt.Errorf("%s: %v", op.name, wire.CsError(h.Error))
			}
		}
		fmt.Printf("%s %v/op; ", op.name, time.Since(start)/n)
	}
	fmt.Println()
	return nil
}
