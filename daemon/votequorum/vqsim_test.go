package votequorum

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/wire"
)

// The vqsim agreement test: every testdata/vqsim/*.cmd script is replayed on
// Go engines by a simulator that mirrors corosync-vqsim's partitions and ring
// ids, and the state after each command is compared with the "show" output
// Debian's corosync-vqsim printed (the .golden files, made by mkgolden.sh).

// simConf is the subset of corosync.conf the scripts use, turned into the
// cmap keys coroparse would store.
func loadSimConf(t *testing.T, path string) (*icmap.Map, []uint32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := icmap.New()
	var stack []string
	var ids []uint32
	nodePos := -1
	u8 := map[string]bool{"two_node": true, "wait_for_all": true, "last_man_standing": true,
		"auto_tie_breaker": true, "allow_downscale": true, "expected_votes_tracking": true}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasSuffix(line, "{"):
			name := strings.TrimSpace(strings.TrimSuffix(line, "{"))
			if name == "node" {
				nodePos++
				name = "node." + strconv.Itoa(nodePos)
			}
			stack = append(stack, name)
		case line == "}":
			stack = stack[:len(stack)-1]
		case strings.Contains(line, ":"):
			k, v, _ := strings.Cut(line, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			key := strings.Join(append(append([]string(nil), stack...), k), ".")
			switch {
			case stack[0] == "quorum" && u8[k]:
				n, _ := strconv.Atoi(v)
				m.Set(key, uint8(n))
			case k == "nodeid" || k == "quorum_votes" || k == "expected_votes" || k == "votes" || k == "last_man_standing_window" || k == "version" ||
				k == "timeout" || k == "sync_timeout":
				n, _ := strconv.Atoi(v)
				m.Set(key, uint32(n))
				if k == "nodeid" {
					ids = append(ids, uint32(n))
				}
			default:
				m.Set(key, v)
			}
		}
	}
	return m, ids
}

type simNode struct {
	id   uint32
	e    *Engine
	part int
	// what vqsim's parent shows: the last quorum callback
	quorate bool
	ring    wire.RingID
	members []uint32
	outbox  [][]byte

	// vqsim's simulated qdevice (vqsim_vq_engine.c)
	qdevRegistered bool
	qdevPolling    bool
	qdevTimerSet   bool // vqsim's qdevice_timer handle: only "off" clears it
	qdevNextPoll   time.Duration
	qdevTimeout    time.Duration // quorum.device.timeout
	// a sync whose sync_process said "not yet" (waiting for a qdevice
	// poll): vqsim retries it every 10 ms
	syncPending bool
}

type simPartition struct {
	nodes []*simNode
	ring  wire.RingID
}

type sim struct {
	t        *testing.T
	conf     *icmap.Map
	confIDs  []uint32
	stateDir string
	parts    [16]simPartition
	now      time.Duration
}

func newSim(t *testing.T, conf string) *sim {
	m, ids := loadSimConf(t, conf)
	s := &sim{t: t, conf: m, confIDs: ids, stateDir: t.TempDir()}
	for i := range s.parts {
		s.parts[i].ring = wire.RingID{Rep: uint32(1000 + i)}
	}
	return s
}

func (s *sim) find(id uint32) *simNode {
	for i := range s.parts {
		for _, n := range s.parts[i].nodes {
			if n.id == id {
				return n
			}
		}
	}
	return nil
}

// newEngine forks a node as vqsim does: its own copy of the config map with
// nodelist.local_node_pos set by node id (0 when not listed), and the state
// directory shared by all simulated nodes (they share vqsim's cwd).
func (s *sim) newEngine(n *simNode) {
	m := icmap.New()
	if err := icmap.CopyMap(m, s.conf); err != nil {
		s.t.Fatal(err)
	}
	pos := 0
	for i, id := range s.confIDs {
		if id == n.id {
			pos = i
		}
	}
	m.Set("nodelist.local_node_pos", uint32(pos))
	n.e = New(Options{NodeID: n.id, Map: m, StateDir: s.stateDir, Hooks: Hooks{
		Mcast: func(b []byte) error { n.outbox = append(n.outbox, b); return nil },
		Quorum: func(members []uint32, quorate bool, ring wire.RingID) {
			n.quorate, n.members, n.ring = quorate, members, ring
		},
	}})
	n.qdevTimeout = 10 * time.Second
	if v, err := m.GetUint32("quorum.device.timeout"); err == nil {
		n.qdevTimeout = time.Duration(v) * time.Millisecond
	}
	n.e.Advance(s.now)
	if err := n.e.Start(); err != nil {
		s.t.Fatalf("node %d: %v", n.id, err)
	}
}

// flush delivers every queued message of partition p to all its members
// (sender included) in a total order, until nothing is left.
func (s *sim) flush(p int) {
	for {
		sent := false
		for _, from := range s.parts[p].nodes {
			for len(from.outbox) > 0 {
				msg := from.outbox[0]
				from.outbox = from.outbox[1:]
				sent = true
				for _, to := range s.parts[p].nodes {
					if err := to.e.Deliver(from.id, msg); err != nil {
						s.t.Fatal(err)
					}
				}
			}
		}
		if !sent {
			return
		}
	}
}

// syncPartition is vqsim's send_partition_to_nodes and what each child
// does with it. vqsim does not have the daemon's sync barrier: a child
// runs sync_init when the SYNC message arrives and, 10 ms later,
// sync_process and at once sync_activate, before the NODEINFO messages of
// the round have come back through the parent. Messages already queued
// (a new node's startup NODEINFO) reach the members between their init
// and their process. A new node has its own initial sync (ring {id, 1})
// pending too, so it processes and activates twice.
func (s *sim) syncPartition(p int, newRing bool, newNode *simNode) {
	part := &s.parts[p]
	if newRing {
		part.ring.Seq += 4
	}
	if len(part.nodes) == 0 {
		return
	}
	part.ring.Rep = part.nodes[0].id
	var ids []uint32
	for _, n := range part.nodes {
		ids = append(ids, n.id)
	}
	for _, n := range part.nodes {
		n.e.Init(nil, ids, part.ring)
	}
	s.flush(p)
	for _, n := range part.nodes {
		n.syncPending = true
		s.trySync(n)
		if n == newNode {
			n.syncPending = true
			s.trySync(n)
		}
	}
	s.flush(p)
}

// trySync is vqsim's sync_dispatch_fn: sync_process, then sync_activate
// unless the engine asks to be called again.
func (s *sim) trySync(n *simNode) {
	if n.syncPending && n.e.Process() {
		n.syncPending = false
		n.e.Activate()
	}
}

func (s *sim) up(p int, id uint32) {
	if s.find(id) != nil {
		s.t.Fatalf("node %d already up", id)
	}
	n := &simNode{id: id, part: p}
	s.newEngine(n)
	// the child's own first sync, alone on ring {id, 1}; its startup
	// NODEINFO is still on its way to the parent
	n.e.Init([]uint32{id}, []uint32{id}, wire.RingID{Rep: id, Seq: 1})
	s.parts[p].nodes = append(s.parts[p].nodes, n)
	s.syncPartition(p, true, n)
}

func (s *sim) down(id uint32) {
	n := s.find(id)
	if n == nil {
		s.t.Fatalf("node %d not up", id)
	}
	l := s.parts[n.part].nodes
	for i, x := range l {
		if x == n {
			s.parts[n.part].nodes = append(l[:i:i], l[i+1:]...)
		}
	}
	s.syncPartition(n.part, true, nil)
}

func (s *sim) syncAll() {
	for p := range s.parts {
		s.syncPartition(p, true, nil)
	}
}

func (s *sim) advance(d time.Duration) {
	// 10 ms ticks: vqsim's sync retry period
	for end := s.now + d; s.now < end; {
		s.now = min(s.now+10*time.Millisecond, end)
		for p := range s.parts {
			for _, n := range s.parts[p].nodes {
				n.e.Advance(s.now)
				s.trySync(n)
				if n.qdevPolling && s.now >= n.qdevNextPoll {
					s.qdevicePoll(n, true)
				}
			}
			s.flush(p)
		}
	}
}

func (s *sim) advanceTo(t time.Duration) {
	if t > s.now {
		s.advance(t - s.now)
	}
}

// waitStable is vqsim's wait after a membership command: until no node
// has a sync in progress, or the timeout.
func (s *sim) waitStable(timeout time.Duration) {
	for end := s.now + timeout; s.now < end; {
		pending := false
		for p := range s.parts {
			for _, n := range s.parts[p].nodes {
				pending = pending || n.syncPending
			}
		}
		if !pending {
			return
		}
		s.advance(10 * time.Millisecond)
	}
}

const qdevName = "VQsim_qdevice"

// qdevicePoll is vqsim's poll_qdevice: the ring id is the one of the last
// quorum callback; a failed poll stops the polling for good.
func (s *sim) qdevicePoll(n *simNode, cast bool) {
	if n.e.QdevicePoll(qdevName, cast, n.ring) != wire.CsOK {
		n.qdevPolling = false
		return
	}
	n.qdevNextPoll = s.now + n.qdevTimeout/2
}

// qdevice is vqsim's do_qdevice.
func (s *sim) qdevice(n *simNode, on bool) {
	if !on {
		s.qdevicePoll(n, false)
		n.qdevPolling, n.qdevTimerSet = false, false
		return
	}
	if !n.qdevRegistered {
		_, _ = n.e.QdeviceRegister(n, qdevName, func(any, wire.CsError) {})
		n.qdevRegistered = true
		n.qdevPolling, n.qdevTimerSet = true, true
		n.qdevNextPoll = s.now + n.qdevTimeout
	} else if !n.qdevTimerSet {
		n.qdevPolling, n.qdevTimerSet = true, true
		n.qdevNextPoll = s.now + n.qdevTimeout/2
	}
}

// parseNodes reads vqsim's "[p:]n[,n...]" argument.
func parseNodes(t *testing.T, arg string) (int, []uint32) {
	p := 0
	if a, b, ok := strings.Cut(arg, ":"); ok {
		p, _ = strconv.Atoi(a)
		arg = b
	}
	var ids []uint32
	for _, x := range strings.Split(arg, ",") {
		n, err := strconv.Atoi(x)
		if err != nil {
			t.Fatalf("bad node %q", x)
		}
		ids = append(ids, uint32(n))
	}
	return p, ids
}

func (s *sim) run(line string) {
	f := strings.Fields(line)
	switch f[0] {
	case "up":
		for _, a := range f[1:] {
			p, ids := parseNodes(s.t, a)
			for _, id := range ids {
				s.up(p, id)
			}
		}
	case "down":
		// vqsim's run_down_cmd only ever reads argv[1], with atoi
		n, _ := strconv.Atoi(strings.FieldsFunc(f[1], func(r rune) bool { return r < '0' || r > '9' })[0])
		s.down(uint32(n))
	case "split", "move":
		for _, a := range f[1:] {
			p, ids := parseNodes(s.t, a)
			for _, id := range ids {
				n := s.find(id)
				if n == nil {
					s.t.Fatalf("node %d not up", id)
				}
				l := s.parts[n.part].nodes
				for i, x := range l {
					if x == n {
						s.parts[n.part].nodes = append(l[:i:i], l[i+1:]...)
					}
				}
				n.part = p
				s.parts[p].nodes = append(s.parts[p].nodes, n)
			}
		}
		s.syncAll()
	case "join":
		to, _ := strconv.Atoi(f[1])
		for _, a := range f[2:] {
			from, _ := strconv.Atoi(a)
			for _, n := range s.parts[from].nodes {
				n.part = to
				s.parts[to].nodes = append(s.parts[to].nodes, n)
			}
			s.parts[from].nodes = nil
		}
		s.syncAll()
	case "qdevice":
		for _, a := range f[2:] {
			_, ids := parseNodes(s.t, a)
			for _, id := range ids {
				if n := s.find(id); n != nil {
					s.qdevice(n, f[1] == "on")
				}
			}
		}
		for p := range s.parts {
			s.syncPartition(p, false, nil)
		}
	default:
		s.t.Fatalf("unknown command %q", line)
	}
}

// show renders the state as vqsim's print_quorum_state does.
func (s *sim) show() []string {
	var out []string
	for p := range s.parts {
		for _, n := range s.parts[p].nodes {
			var ids []string
			for _, m := range n.members {
				ids = append(ids, strconv.FormatUint(uint64(m), 10))
			}
			out = append(out, fmt.Sprintf("%d:%d: q=%d ring=[%x.%x] nodes=[%s]", p, n.id, b2i(n.quorate), n.ring.Rep, n.ring.Seq, strings.Join(ids, " ")))
		}
	}
	return out
}

// goldenShows returns, for each "show" in the golden, its status lines; the
// first one is the state after vqsim started the configured nodes.
func goldenShows(t *testing.T, path string) (cmds []string, shows [][]string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cur []string
	inShow := false
	last := ""
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "#vqsim> "):
			c := strings.TrimPrefix(line, "#vqsim> ")
			inShow = c == "show"
			if !inShow && c != "quit" {
				last = c
			}
			cur = nil
		case strings.HasPrefix(line, "#autofence"):
			if inShow {
				cmds = append(cmds, last)
				shows = append(shows, cur)
				last = ""
			}
			inShow = false
		case inShow && strings.Contains(line, " q="):
			cur = append(cur, line)
		}
	}
	return cmds, shows
}

func TestVqsimAgreement(t *testing.T) {
	scripts, _ := filepath.Glob("testdata/vqsim/*.cmd")
	if len(scripts) < 20 {
		t.Fatalf("only %d vqsim scripts", len(scripts))
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".cmd")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			conf := strings.TrimPrefix(lines[0], "#conf ")
			_, shows := goldenShows(t, "testdata/vqsim/"+name+".golden")
			if len(shows) != len(lines) {
				t.Fatalf("golden has %d shows, script %d steps (+start)", len(shows), len(lines)-1)
			}
			s := newSim(t, "testdata/vqsim/"+conf+".conf")
			for _, id := range s.confIDs {
				s.up(0, id)
			}
			step := func(i int, what string) {
				got, want := s.show(), shows[i]
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("after %q:\n got: %s\nwant: %s", what, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
				}
			}
			// Times follow mkgolden.sh's writer: a pause of 600 ms before
			// each show and 200 ms after. vqsim reads the next line only
			// once a membership command has completed (every partition
			// on one ring, at most "timeout 2000" ms), so a show can come
			// later than the writer sent it.
			w := 600 * time.Millisecond
			s.advanceTo(w)
			step(0, "start")
			w += 200 * time.Millisecond
			for i, line := range lines[1:] {
				if ms, ok := strings.CutPrefix(line, "#wait "); ok {
					n, _ := strconv.Atoi(ms)
					w += time.Duration(n) * time.Millisecond
				} else {
					s.advanceTo(w)
					s.run(line)
					if !strings.HasPrefix(line, "qdevice") {
						s.waitStable(2 * time.Second)
					}
					w += 600 * time.Millisecond
				}
				s.advanceTo(w)
				step(i+1, line)
				w += 200 * time.Millisecond
			}
		})
	}
}
