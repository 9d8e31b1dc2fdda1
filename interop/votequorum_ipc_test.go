//go:build interop

package interop

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/quorum"
	"github.com/gorosync/gorosync/daemon/votequorum"
	"github.com/gorosync/gorosync/interop/harness"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// vqChildEnv makes the test binary, re-executed inside a host's network
// namespace, run vqScenario against the C daemon's sockets.
const vqChildEnv = "GOROSYNC_VQ_SCENARIO_CHILD"

func init() {
	if os.Getenv(vqChildEnv) == "" {
		return
	}
	tr, err := vqScenario("votequorum", "quorum")
	fmt.Print(tr)
	if err != nil {
		fmt.Println("VQFAIL", err)
		os.Exit(1)
	}
	fmt.Println("VQOK")
	os.Exit(0)
}

// TestVotequorumIPCOnCAndGo runs one libvotequorum + libquorum scenario
// (every request type, tracking events, qdevice register/poll/master_wins/
// update/unregister, V0 and V1 quorum models), written with our ipc client
// and wire structs, against Debian's C corosync (node 1 of a 3-node
// nodelist, alone) and against our votequorum and quorum services driven by
// our engine through the same membership. The transcripts (ids, sizes,
// cs_error_t and the raw bytes of every body) must be identical.
func TestVotequorumIPCOnCAndGo(t *testing.T) {
	c := harness.New(t, 3, harness.Config{ClusterName: "gvvq", NamePrefix: "gv"})
	h := c.Host(1)
	h.StartCorosync(harness.C)
	h.WaitCmap(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := h.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), vqChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "VQOK") {
		t.Fatalf("scenario against C corosync failed: %v\n%s", err, out)
	}
	h.StopCorosync()
	cTr := strings.TrimSuffix(string(out), "VQOK\n")
	clog, err := os.ReadFile(h.Path("log", "corosync.log"))
	if err != nil {
		t.Fatal(err)
	}
	cLogs := quorumLogLines(string(clog))

	// The ring id C formed, to put our engine on the same one.
	m := regexp.MustCompile(`ring (\d+)\.([0-9a-f]+)`).FindStringSubmatch(cTr)
	if m == nil {
		t.Fatalf("no ring id in the C transcript:\n%s", cTr)
	}
	rep, _ := strconv.ParseUint(m[1], 10, 32)
	rseq, _ := strconv.ParseUint(m[2], 16, 64)
	goTr, goLogs := goVotequorumTranscript(t, wire.RingID{Rep: uint32(rep), Seq: rseq})

	// The QUORUM and VOTEQ lines C logged at info and above, in order,
	// are the lines our two engines logged for the same events.
	if strings.Join(cLogs, "\n") != strings.Join(goLogs, "\n") {
		t.Errorf("log lines differ:\nC:\n  %s\nGo:\n  %s", strings.Join(cLogs, "\n  "), strings.Join(goLogs, "\n  "))
	} else {
		t.Logf("%d QUORUM/VOTEQ log lines identical:\n  %s", len(cLogs), strings.Join(cLogs, "\n  "))
	}

	cl, gl := strings.Split(cTr, "\n"), strings.Split(goTr, "\n")
	t.Logf("%d transcript lines against C:\n%s", len(cl), cTr)
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
		t.Logf("C transcript:\n%s", cTr)
		t.Fatalf("%d lines differ", diffs)
	}
	for _, want := range []string{"CS_ERR_NOT_EXIST", "CS_ERR_EXIST", "CS_ERR_MESSAGE_ERROR", "CS_ERR_INVALID_PARAM", "CS_ERR_NAME_NOT_FOUND", "event id 5", "event id 3", "event id 7", "event id 6"} {
		if !strings.Contains(cTr, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
}

// goVotequorumTranscript runs vqScenario against our services: node 1 of
// the same 3-node nodelist, synced alone on ring, multicasts looped back.
func goVotequorumTranscript(t *testing.T, ring wire.RingID) (string, []string) {
	m := icmap.New()
	for i := 0; i < 3; i++ {
		m.Set(fmt.Sprintf("nodelist.node.%d.nodeid", i), uint32(i+1))
	}
	m.Set("nodelist.local_node_pos", uint32(0))
	m.Set("quorum.provider", "corosync_votequorum")
	var lock sync.Mutex
	var logMu sync.Mutex
	var logs []string
	levels := map[int]string{2: "crit", 3: "error", 4: "warning", 5: "notice", 6: "info"}
	logf := func(subsys string, level int, msg string) {
		if l, ok := levels[level]; ok && !strings.HasPrefix(msg, "Using quorum provider") {
			logMu.Lock()
			logs = append(logs, fmt.Sprintf("%-7s [%s] %s", l, subsys, msg))
			logMu.Unlock()
		}
	}
	qs := quorum.New(quorum.Options{Map: m, Name: fmt.Sprintf("gv-q-%d", os.Getpid()),
		Log: func(l int, msg string) { logf("QUORUM", l, msg) }})
	if _, err := qs.Start(); err != nil {
		t.Fatal(err)
	}
	var queue [][]byte
	var qmu sync.Mutex
	kick := make(chan struct{}, 1)
	e := votequorum.New(votequorum.Options{NodeID: 1, Map: m, StateDir: t.TempDir(), Hooks: votequorum.Hooks{
		Mcast: func(b []byte) error {
			qmu.Lock()
			queue = append(queue, b)
			qmu.Unlock()
			select {
			case kick <- struct{}{}:
			default:
			}
			return nil
		},
		Quorum: qs.SetQuorum,
		Log:    func(l votequorum.Level, msg string) { logf("VOTEQ ", int(l), msg) },
	}})
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	pump := func() {
		for {
			qmu.Lock()
			if len(queue) == 0 {
				qmu.Unlock()
				return
			}
			b := queue[0]
			queue = queue[1:]
			qmu.Unlock()
			lock.Lock()
			if err := e.Deliver(1, b); err != nil {
				panic(err)
			}
			lock.Unlock()
		}
	}
	pump()
	qs.Init([]uint32{1}, []uint32{1}, ring)
	e.Init([]uint32{1}, []uint32{1}, ring)
	qs.Process()
	e.Process()
	pump()
	qs.Activate()
	e.Activate()
	pump()

	dir, err := os.MkdirTemp("/dev/shm", "gvvq")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	srv := ipc.NewServer(ipc.Config{ShmDir: dir})
	vq := &votequorum.IPC{E: e, Lock: &lock, Name: fmt.Sprintf("gv-vq-%d", os.Getpid())}
	if _, err := vq.RegisterIPC(srv); err != nil {
		t.Fatal(err)
	}
	if _, err := qs.RegisterIPC(srv); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srv.SetReady(true)
	defer srv.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-kick:
				pump()
			}
		}
	}()
	tr, err := vqScenario(vq.Name, fmt.Sprintf("gv-q-%d", os.Getpid()))
	if err != nil {
		t.Fatalf("scenario against our services: %v\n%s", err, tr)
	}
	logMu.Lock()
	defer logMu.Unlock()
	return tr, append([]string(nil), logs...)
}

// quorumLogLines picks "level [QUORUM] msg" and "level [VOTEQ ] msg" out of
// a corosync logfile ("Nov 25 02:22:05.978 [8185] host corosync notice
// [QUORUM] ..."), leaving out the provider line, which the daemon's
// service loading (not our engines) produces.
func quorumLogLines(log string) []string {
	var out []string
	re := regexp.MustCompile(`corosync (\w+) +\[(QUORUM|VOTEQ )\] (.*)$`)
	for _, line := range strings.Split(log, "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(m[3], "Using quorum provider") {
			continue
		}
		out = append(out, fmt.Sprintf("%-7s [%s] %s", m[1], m[2], m[3]))
	}
	return out
}

type vqScen struct {
	scen
	ring       wire.RingID
	quorumSock bool // events come from the "quorum" socket (its id 3 is V0's)
}

// maskPadding zeroes the alignment holes of an event: C builds events on
// its stack without clearing them, so those bytes are whatever was there.
func (s *vqScen) maskPadding(ev []byte) []byte {
	ev = append([]byte(nil), ev...)
	zero := func(from, to int) {
		for i := from; i < to && i < len(ev); i++ {
			ev[i] = 0
		}
	}
	id := int32(binary.LittleEndian.Uint32(ev))
	switch {
	case !s.quorumSock && id == wire.MessageResVotequorumNodelistNotification:
		zero(36, 40)
		zero(52, 56)
	case !s.quorumSock && id == wire.MessageResVotequorumQuorumNotification:
		zero(28, 32)
		zero(44, 48)
	case !s.quorumSock && id == wire.MessageResVotequorumExpectedvotesNotification:
		zero(36, 40)
	case s.quorumSock && id == wire.MessageResQuorumNotification:
		zero(28, 32)
		zero(len(ev)-4, len(ev)) // the struct's tail padding, after the list
	case s.quorumSock && id == wire.MessageResQuorumV1QuorumNotification:
		zero(28, 32)
		zero(36, 40)
		zero(len(ev)-4, len(ev))
	case s.quorumSock && id == wire.MessageResQuorumV1NodelistNotification:
		zero(28, 32)
		zero(44, 48)
		zero(52, 56)
		zero(len(ev)-4, len(ev))
	}
	return ev
}

func (s *vqScen) vqReq(what string, r *wire.VotequorumRequest) []byte {
	b, err := r.Append(nil)
	if err != nil {
		s.fail("%s: %v", what, err)
		return nil
	}
	return s.req(b)
}

// header logs id, size and error of a response; ok is false on failure.
func (s *vqScen) header(what string, res []byte) (wire.ResponseHeader, bool) {
	if res == nil {
		return wire.ResponseHeader{}, false
	}
	h, err := wire.DecodeResponseHeader(res)
	if err != nil {
		s.fail("%s: %v", what, err)
		return h, false
	}
	s.logf("%s: id %d size %d len %d %v", what, h.ID, h.Size, len(res), wire.CsError(h.Error))
	return h, true
}

func (s *vqScen) getinfo(nodeid uint32) {
	res := s.vqReq("getinfo", &wire.VotequorumRequest{ID: wire.MessageReqVotequorumGetinfo, NodeID: nodeid})
	if h, ok := s.header(fmt.Sprintf("getinfo %d", nodeid), res); ok && wire.CsError(h.Error) == wire.CsOK {
		// the fields; qdevice_name up to its NUL (C leaves the rest of
		// the struct as it was on its stack)
		in, _, err := wire.DecodeVotequorumGetinfo(res)
		if err != nil {
			s.fail("getinfo: %v", err)
			return
		}
		s.logf("  %+v", *in)
	}
}

// events logs every event waiting on c (they are sent before the response
// that triggered them, so they are all there).
func (s *vqScen) events(c *ipc.Client) {
	for {
		ev, err := c.RecvEvent(300 * time.Millisecond)
		if err != nil {
			return
		}
		h, _ := wire.DecodeResponseHeader(ev)
		ev = s.maskPadding(ev)
		s.logf("  event id %d size %d len %d %v body %s", h.ID, h.Size, len(ev), wire.CsError(h.Error), hex.EncodeToString(ev[24:]))
	}
}

func (s *vqScen) status(what string, c *ipc.Client, r *wire.VotequorumRequest) {
	s.c = c
	s.header(what, s.vqReq(what, r))
	s.events(c)
}

func vqScenario(vqName, qName string) (string, error) {
	s := &vqScen{}
	vc, err := ipc.Dial(vqName, nil)
	if err != nil {
		return "", fmt.Errorf("dial %s: %w", vqName, err)
	}
	defer vc.Close()
	s.c = vc
	const name = "GoTestDevice"
	req := func(id int32) *wire.VotequorumRequest { return &wire.VotequorumRequest{ID: id} }

	// The node list gives the ring id, printed once (it is C's to choose).
	s.status("trackstart current", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumTrackstart, Context: 0x1122, TrackFlags: wire.CsTrackCurrent})
	if i := strings.Index(s.out.String(), "event id 5 "); i >= 0 {
		line := s.out.String()[i:]
		body, _ := hex.DecodeString(strings.Fields(line[strings.Index(line, "body ")+5:])[0])
		s.ring = wire.RingID{Rep: binary.LittleEndian.Uint32(body[8:]), Seq: binary.LittleEndian.Uint64(body[16:])}
	}
	s.logf("ring %d.%x", s.ring.Rep, s.ring.Seq)

	s.getinfo(0)
	s.getinfo(1)
	s.getinfo(2)
	s.status("trackstart changes", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumTrackstart, Context: 0x3344, TrackFlags: wire.CsTrackChanges})
	s.status("trackstart again", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumTrackstart, Context: 0x5566, TrackFlags: wire.CsTrackChangesOnly})
	s.status("setexpected 0", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetexpected, ExpectedVotes: 0})
	s.status("setvotes node 7", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetvotes, NodeID: 7, Votes: 1})
	s.status("setvotes 0 on us", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumSetvotes, NodeID: 1, Votes: 0})
	s.status("poll unregistered", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: name, CastVote: 1, RingID: s.ring})
	s.status("unregister unregistered", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUnregister, Name: name})
	s.status("update unregistered", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUpdate, Name: name, NewName: "x"})
	s.status("master_wins unregistered", vc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceMasterWins, Name: name, Allow: 1})

	// a second connection registers the device; the tracker sees the
	// node list change only at the next sync, nothing here
	qc, err := ipc.Dial(vqName, nil)
	if err != nil {
		return s.out.String(), err
	}
	defer qc.Close()
	s.status("register", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceRegister, Name: name})
	s.status("register again", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceRegister, Name: name})
	s.status("register other name", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceRegister, Name: "Other"})
	time.Sleep(200 * time.Millisecond)
	s.c = vc
	s.getinfo(0)
	s.status("poll old ring", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: name, CastVote: 1, RingID: wire.RingID{Rep: s.ring.Rep, Seq: s.ring.Seq + 100}})
	s.status("poll wrong name", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: "Other", CastVote: 1, RingID: s.ring})
	s.status("poll", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdevicePoll, Name: name, CastVote: 1, RingID: s.ring})
	s.status("master_wins", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceMasterWins, Name: name, Allow: 1})
	time.Sleep(200 * time.Millisecond)
	s.c = vc
	s.getinfo(0)
	s.events(vc)
	s.status("update", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUpdate, Name: name, NewName: "Renamed"})
	time.Sleep(200 * time.Millisecond)
	s.status("unregister old name", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUnregister, Name: name})
	s.status("unregister", qc, &wire.VotequorumRequest{ID: wire.MessageReqVotequorumQdeviceUnregister, Name: "Renamed"})
	time.Sleep(200 * time.Millisecond)
	s.c = vc
	s.getinfo(0)
	s.events(vc)
	s.status("trackstop", vc, req(wire.MessageReqVotequorumTrackstop))
	s.status("trackstop again", vc, req(wire.MessageReqVotequorumTrackstop))

	// libquorum, V1 then V0
	for _, model := range []uint32{1, 0} {
		c, err := ipc.Dial(qName, nil)
		if err != nil {
			return s.out.String(), fmt.Errorf("dial %s: %w", qName, err)
		}
		s.c = c
		s.quorumSock = true
		q := func(what string, r *wire.QuorumRequest) {
			b, _ := r.Append(nil)
			res := s.req(b)
			if _, ok := s.header(what, res); ok && len(res) > 24 {
				s.logf("  body %s", hex.EncodeToString(res[24:]))
			}
			s.events(c)
		}
		q(fmt.Sprintf("model_gettype %d", model), &wire.QuorumRequest{ID: wire.MessageReqQuorumModelGettype, Model: model})
		q("model_gettype 9", &wire.QuorumRequest{ID: wire.MessageReqQuorumModelGettype, Model: 9})
		q("gettype", &wire.QuorumRequest{ID: wire.MessageReqQuorumGettype})
		q("getquorate", &wire.QuorumRequest{ID: wire.MessageReqQuorumGetquorate})
		q("trackstart", &wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstart, TrackFlags: wire.CsTrackCurrent | wire.CsTrackChanges})
		q("trackstart again", &wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstart, TrackFlags: wire.CsTrackChanges})
		q("trackstop", &wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstop})
		q("trackstop again", &wire.QuorumRequest{ID: wire.MessageReqQuorumTrackstop})
		c.Close()
	}
	return s.out.String(), s.err
}
