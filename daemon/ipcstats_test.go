package daemon

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// statsClient is just enough libcmap for the stats map tests.
type statsClient struct {
	t *testing.T
	c *ipc.Client
}

func (s statsClient) req(msg []byte) []byte {
	s.t.Helper()
	res, err := s.c.Request(msg, 10*time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	return res
}

func marKey(k string) wire.MarName {
	var n wire.MarName
	n.Length = uint16(copy(n.Value[:], k))
	return n
}

func (s statsClient) status(msg []byte) wire.CsError {
	s.t.Helper()
	h, err := wire.DecodeResponseHeader(s.req(msg))
	if err != nil {
		s.t.Fatal(err)
	}
	return wire.CsError(h.Error)
}

func (s statsClient) useStats() {
	s.t.Helper()
	if e := s.status((&wire.CmapReqSetCurrentMap{Map: wire.CmapSetMapStats}).Append(nil)); e != wire.CsOK {
		s.t.Fatalf("set current map: %v", e)
	}
}

// get returns the value as a Go value (u64, u32, i32 or string) and its type.
func (s statsClient) get(key string) (any, wire.ValueType, wire.CsError) {
	s.t.Helper()
	g, _, err := wire.DecodeCmapResGet(s.req((&wire.CmapReqGet{Key: marKey(key), ValueLen: 256}).Append(nil)))
	if err != nil {
		s.t.Fatal(err)
	}
	if g.Error != wire.CsOK {
		return nil, 0, g.Error
	}
	v, err := wire.DecodeValue(g.Type, g.Value[:g.ValueLen])
	if err != nil {
		s.t.Fatal(err)
	}
	return v, g.Type, wire.CsOK
}

func (s statsClient) u64(key string) uint64 {
	s.t.Helper()
	v, _, e := s.get(key)
	x, ok := v.(uint64)
	if e != wire.CsOK || !ok {
		s.t.Fatalf("%s: %v %v", key, v, e)
	}
	return x
}

// list is `corosync-cmapctl -m stats PREFIX` without values: "key (type)".
func (s statsClient) list(prefix string) []string {
	s.t.Helper()
	h, err := wire.DecodeCmapResHandle(s.req((&wire.CmapReqIterInit{Prefix: marKey(prefix)}).Append(nil)))
	if err != nil || h.Error != wire.CsOK {
		s.t.Fatalf("iter init: %+v %v", h, err)
	}
	var out []string
	for {
		n, err := wire.DecodeCmapResIterNext(s.req((&wire.CmapReqHandle{ID: wire.MessageReqCmapIterNext, Handle: h.Handle}).Append(nil)))
		if err != nil {
			s.t.Fatal(err)
		}
		if n.Error != wire.CsOK {
			break
		}
		out = append(out, fmt.Sprintf("%s (%s)", n.Key.String(), n.Type))
	}
	s.req((&wire.CmapReqHandle{ID: wire.MessageReqCmapIterFinalize, Handle: h.Handle}).Append(nil))
	return out
}

var connKeyRE = regexp.MustCompile(`^stats\.ipcs\.service(\d+)\.(\d+)\.(0x[0-9a-f]+)\.([a-z_]+) \(([a-z0-9]+)\)`)

// connKeys groups a stats.ipcs listing by connection prefix, each with
// its "name (type)" lines.
func connKeys(lines []string) map[string][]string {
	m := map[string][]string{}
	for _, l := range lines {
		if x := connKeyRE.FindStringSubmatch(l); x != nil {
			p := fmt.Sprintf("stats.ipcs.service%s.%s.%s.", x[1], x[2], x[3])
			m[p] = append(m[p], fmt.Sprintf("%s (%s)", x[4], x[5]))
		}
	}
	return m
}

// goldenConnKeys are the per-connection "name (type)" pairs of Debian's
// corosync 3.1.7 (`corosync-cmapctl -m stats` on etc/corosync.conf).
func goldenConnKeys(t *testing.T) []string {
	f, err := os.Open("testdata/c_cmapctl_stats_etc_corosync_conf.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	m := connKeys(lines)
	if len(m) != 1 {
		t.Fatalf("golden has %d connections", len(m))
	}
	for _, v := range m {
		sort.Strings(v)
		return v
	}
	return nil
}

// The daemon's stats map has C's stats.ipcs.* keys: global counters, and
// per connection the 13 counters of cs_ipcs_conn_stats with C's types,
// present while the connection lives and computed when read; a write to
// stats.clear.ipc zeroes them as cs_ipcs_clear_stats does.
func TestDaemonIPCStats(t *testing.T) {
	var stderr bytes.Buffer
	d, sigs, done := startInProcess(t, "../etc/corosync.conf", &stderr)
	defer func() {
		sigs <- syscall.SIGTERM
		<-done
	}()
	c1 := dialReady(t, d.IPCSocketName("cmap"))
	defer c1.Close()
	s := statsClient{t: t, c: c1}
	s.useStats()

	all := s.list("stats.ipcs.")
	if len(all) != 2+13 || all[0] != "stats.ipcs.global.active (u64)" || all[1] != "stats.ipcs.global.closed (u64)" {
		t.Fatalf("stats.ipcs listing with one connection:\n%s", strings.Join(all, "\n"))
	}
	conns := connKeys(all)
	if len(conns) != 1 {
		t.Fatalf("%d connections in %q", len(conns), all)
	}
	var own string
	for p, keys := range conns {
		own = p
		sort.Strings(keys)
		if want := goldenConnKeys(t); strings.Join(keys, "\n") != strings.Join(want, "\n") {
			t.Errorf("per-connection keys\n got %q\nwant %q", keys, want)
		}
	}
	if want := fmt.Sprintf("stats.ipcs.service0.%d.0x", os.Getpid()); !strings.HasPrefix(own, want) {
		t.Errorf("connection prefix %s, want %s…", own, want)
	}
	if v := s.u64("stats.ipcs.global.active"); v != 1 {
		t.Errorf("active %d", v)
	}
	comm, _ := os.ReadFile("/proc/self/comm")
	if v, typ, e := s.get(own + "procname"); e != wire.CsOK || typ != wire.ValueString || v != strings.TrimSpace(string(comm)) {
		t.Errorf("procname %q %v %v, want %q", v, typ, e, comm)
	}
	// Counted as libqb does: a request before its handler runs, a
	// response once sent.
	r1 := s.u64(own + "requests")
	r2 := s.u64(own + "requests")
	resp := s.u64(own + "responses")
	if r1 < 5 || r2 != r1+1 || resp != r2 {
		t.Errorf("requests %d then %d, responses %d", r1, r2, resp)
	}
	if v, typ, _ := s.get(own + "queueing"); v != int32(0) || typ != wire.ValueInt32 {
		t.Errorf("queueing %v %v", v, typ)
	}

	// A second connection comes and goes with its keys.
	c2 := dialReady(t, d.IPCSocketName("cmap"))
	var other string
	waitKeys := func(n int) map[string][]string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			m := connKeys(s.list("stats.ipcs."))
			if len(m) == n || time.Now().After(deadline) {
				if len(m) != n {
					t.Fatalf("%d connections listed, want %d", len(m), n)
				}
				return m
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for p := range waitKeys(2) {
		if p != own {
			other = p
		}
	}
	if a := s.u64("stats.ipcs.global.active"); a != 2 {
		t.Errorf("active with two connections: %d", a)
	}
	c2.Close()
	if m := waitKeys(1); m[other] != nil {
		t.Errorf("closed connection's keys still listed")
	}
	if a, c := s.u64("stats.ipcs.global.active"), s.u64("stats.ipcs.global.closed"); a != 1 || c != 1 {
		t.Errorf("after close: active %d closed %d", a, c)
	}
	if _, _, e := s.get(other + "requests"); e != wire.CsErrNotExist {
		t.Errorf("closed connection's key: %v", e)
	}

	// corosync-cmapctl -C ipc sets stats.clear.ipc to u32 1.
	set := (&wire.CmapReqSet{Key: marKey("stats.clear.ipc"), Type: wire.ValueUint32, Value: binary.LittleEndian.AppendUint32(nil, 1)}).Append(nil)
	if e := s.status(set); e != wire.CsOK {
		t.Fatalf("stats.clear.ipc: %v", e)
	}
	if a, c := s.u64("stats.ipcs.global.active"), s.u64("stats.ipcs.global.closed"); a != 0 || c != 0 {
		t.Errorf("after clear: active %d closed %d", a, c)
	}
	// Since the clear: the set's own response, then two gets, then this
	// one (counted before it runs) and, for responses, its answer.
	if r, p := s.u64(own+"requests"), s.u64(own+"responses"); r != 3 || p != 4 {
		t.Errorf("after clear: requests %d responses %d", r, p)
	}
	// As in C, active went to 0 under an open connection: the next close
	// takes it below zero (Debian's corosync shows 0 for the following
	// connection after `corosync-cmapctl -C ipc`).
	c3 := dialReady(t, d.IPCSocketName("cmap"))
	waitKeys(2)
	c3.Close()
	waitKeys(1)
	if a := s.u64("stats.ipcs.global.active"); a != 0 {
		t.Errorf("active after clear, one connect and one close: %d", a)
	}

	// A tracker of one key hears MODIFY when its value moved, within
	// the 1.5 s C polls at.
	h, err := wire.DecodeCmapResHandle(s.req((&wire.CmapReqTrackAdd{Key: marKey(own + "requests"),
		TrackType: wire.CmapTrackModify, TrackInstHandle: 77}).Append(nil)))
	if err != nil || h.Error != wire.CsOK {
		t.Fatalf("track add: %+v %v", h, err)
	}
	s.get(own + "queued")
	ev, err := c1.RecvEvent(5 * time.Second)
	if err != nil {
		t.Fatalf("no MODIFY for %srequests: %v", own, err)
	}
	n, err := wire.DecodeCmapNotify(ev)
	if err != nil || n.Event != wire.CmapTrackModify || n.TrackInstHandle != 77 || n.Key.String() != own+"requests" || n.NewType != wire.ValueUint64 {
		t.Fatalf("notification %+v %v", n, err)
	}
}

// stats.clear.totem (and knet, and all) restart the totemsrp counters,
// visible at once in stats.srp.*.
func TestDaemonStatsClearTotem(t *testing.T) {
	var stderr bytes.Buffer
	d, sigs, done := startInProcess(t, "../etc/corosync.conf", &stderr)
	defer func() {
		sigs <- syscall.SIGTERM
		<-done
	}()
	c := dialReady(t, d.IPCSocketName("cmap"))
	defer c.Close()
	s := statsClient{t: t, c: c}
	s.useStats()
	for _, what := range []string{"totem", "knet", "all"} {
		var before uint64
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if v, _, e := s.get("stats.srp.orf_token_rx"); e == wire.CsOK && v.(uint64) >= 3 {
				before = v.(uint64)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: stats.srp.orf_token_rx never reached 3", what)
			}
		}
		set := (&wire.CmapReqSet{Key: marKey("stats.clear." + what), Type: wire.ValueUint32, Value: binary.LittleEndian.AppendUint32(nil, 1)}).Append(nil)
		if e := s.status(set); e != wire.CsOK {
			t.Fatalf("stats.clear.%s: %v", what, e)
		}
		after := s.u64("stats.srp.orf_token_rx")
		entered := s.u64("stats.srp.operational_entered")
		if after >= before || after > 1 || entered != 0 {
			t.Errorf("stats.clear.%s: orf_token_rx %d then %d, operational_entered %d", what, before, after, entered)
		}
	}
}

func TestParseProcStatName(t *testing.T) {
	for line, want := range map[string]string{
		"24202 (corosync-cmapct) S 1 2 3":       "corosync-cmapct",
		"7 (a (b) c) R 1":                       "b) c",
		"7 (x)y R 1":                            "",
		"7 no parens":                           "",
		"7 (x)":                                 "",
		"7 ) (x":                                "",
		"7 (" + strings.Repeat("n", 40) + ") S": strings.Repeat("n", 31),
	} {
		if got := parseProcStatName(line); got != want {
			t.Errorf("%q: %q, want %q", line, got, want)
		}
	}
}

func FuzzParseProcStatName(f *testing.F) {
	f.Add("24202 (corosync-cmapct) S 1 2 3")
	f.Add("7 (a (b) c) R 1")
	f.Fuzz(func(t *testing.T, line string) {
		if n := parseProcStatName(line); len(n) > 31 || !strings.Contains(line, n) {
			t.Fatalf("%q gave %q", line, n)
		}
	})
}
