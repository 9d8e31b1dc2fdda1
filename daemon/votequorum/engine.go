package votequorum

import (
	"fmt"
	"sort"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/wire"
)

// Node states (nodestate_t); the same numbers go on the IPC wire.
const (
	NodeStateMember  uint32 = 1
	NodeStateDead    uint32 = 2
	NodeStateLeaving uint32 = 3
)

// Auto tie breaker types as stored in runtime.votequorum.atb_type.
const (
	atbNone uint32 = iota
	atbLowest
	atbHighest
	atbList
)

const (
	defaultLMSWindow       = 10000 // ms, DEFAULT_LMS_WIN
	defaultQdeviceTimeout  = 10000 // ms, VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT
	defaultQdeviceSyncTime = 30000 // ms, VOTEQUORUM_QDEVICE_DEFAULT_SYNC_TIMEOUT
	processorCountMax      = 384
	serviceName            = "corosync vote quorum service v1.0"
	serviceID              = 5
)

// Level is a syslog level as logsys uses them.
type Level int

const (
	LevelCrit    Level = 2
	LevelError   Level = 3
	LevelWarning Level = 4
	LevelNotice  Level = 5
	LevelInfo    Level = 6
	LevelDebug   Level = 7
)

// Hooks carry the engine's outputs to the daemon.
type Hooks struct {
	// Mcast multicasts one exec message with TOTEM_AGREED.
	Mcast func(msg []byte) error
	// Quorum is C's quorum_callback (vsf_quorum's quorum_api_set_quorum).
	Quorum func(members []uint32, quorate bool, ring wire.RingID)
	// Log receives one log line.
	Log func(level Level, msg string)
}

// Options configure an engine.
type Options struct {
	NodeID   uint32
	Map      *icmap.Map // configuration and runtime keys
	StateDir string     // for the ev_tracking file; "" = system.state_dir or /var/lib/corosync
	Hooks    Hooks
}

type node struct {
	id       uint32
	state    uint32
	votes    uint32
	expected uint32
	flags    uint32
}

// Tracker is one libvotequorum connection's tracking state (quorum_pd).
type Tracker struct {
	Send    func(ev []byte) error
	enabled bool
	flags   uint32
	context uint64
}

// Engine is one node's votequorum.
type Engine struct {
	opt Options
	h   Hooks

	us      *node
	qdevice *node
	nodes   []*node // ordered by node id as a signed int, like node_add_ordered
	// allocated counts C's cluster_nodes[] entries in use
	allocated int

	qdeviceName         string
	qdeviceTimeout      uint32
	qdeviceSyncTimeout  uint32
	qdeviceCanOperate   bool
	qdeviceRegConn      any
	qdeviceRegDone      func(conn any, err wire.CsError)
	qdeviceMasterWins   bool
	twoNode             bool
	waitForAll          bool
	waitForAllStatus    bool
	waitForAllAutoset   bool
	atb, initialATB     uint32
	lowestNodeID        int32
	highestNodeID       int32
	lastManStanding     bool
	lmsWindow           uint32
	allowDownscale      bool
	evBarrier           uint32
	evTracking          bool
	evTrackingBarrier   uint32
	evTrackingFile      string
	quorum              uint8 // uint8 in C: it wraps above 255
	clusterIsQuorate    bool
	quorumMembers       []uint32
	previousMembers     []uint32
	atbNodelist         []uint32
	quorumRingID        wire.RingID
	trackers            []*Tracker
	syncInProgress      bool
	syncNodeinfoSent    bool
	syncWaitForPoll     bool
	now                 time.Duration
	lmsTimer, qdevTimer time.Duration
	lmsTimerSet         bool
	qdevTimerSet        bool
}

// New returns an engine; call Start before anything else.
func New(opt Options) *Engine {
	if opt.Map == nil {
		opt.Map = icmap.New()
	}
	e := &Engine{opt: opt, h: opt.Hooks, lowestNodeID: -1, highestNodeID: -1,
		qdeviceTimeout: defaultQdeviceTimeout, qdeviceSyncTimeout: defaultQdeviceSyncTime,
		qdeviceCanOperate: true, lmsWindow: defaultLMSWindow}
	return e
}

func (e *Engine) logf(l Level, format string, a ...any) {
	if e.h.Log != nil {
		e.h.Log(l, fmt.Sprintf(format, a...))
	}
}

func (e *Engine) mcast(m interface{ Append([]byte) ([]byte, error) }) error {
	b, err := m.Append(nil)
	if err != nil {
		return err
	}
	if e.h.Mcast == nil {
		return nil
	}
	return e.h.Mcast(b)
}

// ID and Name make the engine a daemon/sync Service.
func (e *Engine) ID() int      { return serviceID }
func (e *Engine) Name() string { return serviceName }

func less(a, b uint32) bool { return int32(a) < int32(b) }

// allocateNode is allocate_node. C has room for PROCESSOR_COUNT_MAX+2
// entries (the qdevice's included); beyond that it recycles the first DEAD
// node of the list, or, with none dead, the last node its loop stopped on.
func (e *Engine) allocateNode(id uint32) *node {
	n := &node{id: id}
	if e.allocated <= processorCountMax+1 {
		e.allocated++
	} else if len(e.nodes) > 0 {
		victim := len(e.nodes) - 1
		for i, x := range e.nodes {
			if x.state == NodeStateDead {
				victim = i
				break
			}
		}
		if e.nodes[victim] == e.us {
			e.logf(LevelCrit, "Unable to find memory for node %d data!!", id)
			return nil
		}
		e.nodes = append(e.nodes[:victim], e.nodes[victim+1:]...)
	}
	if id != wire.VotequorumQdeviceNodeID {
		i := sort.Search(len(e.nodes), func(i int) bool { return less(id, e.nodes[i].id) })
		e.nodes = append(e.nodes, nil)
		copy(e.nodes[i+1:], e.nodes[i:])
		e.nodes[i] = n
	}
	return n
}

func (e *Engine) findNode(id uint32) *node {
	if id == e.us.id {
		return e.us
	}
	if id == wire.VotequorumQdeviceNodeID {
		return e.qdevice
	}
	i := sort.Search(len(e.nodes), func(i int) bool { return !less(e.nodes[i].id, id) })
	if i < len(e.nodes) && e.nodes[i].id == id {
		return e.nodes[i]
	}
	return nil
}

func (e *Engine) setU32(key string, v uint32) { _ = e.opt.Map.Set(key, v) }
func (e *Engine) setU8(key string, v bool) {
	var b uint8
	if v {
		b = 1
	}
	_ = e.opt.Map.Set(key, b)
}

// Start is votequorum_exec_init_fn. The error is C's text.
func (e *Engine) Start() error {
	e.qdevice = e.allocateNode(wire.VotequorumQdeviceNodeID)
	e.us = e.allocateNode(e.opt.NodeID)
	e.setU32("runtime.votequorum.this_node_id", e.us.id)
	e.us.state = NodeStateMember
	e.us.votes = 1
	e.us.flags |= wire.NodeFlagsFirst
	if msg := e.readConfig(false); msg != "" {
		return fmt.Errorf("%s", msg)
	}
	e.recalculateQuorum(false, false)
	for _, k := range []string{"quorum.allow_downscale", "quorum.wait_for_all", "quorum.last_man_standing",
		"quorum.last_man_standing_window", "quorum.expected_votes_tracking", "quorum.auto_tie_breaker",
		"quorum.auto_tie_breaker_node"} {
		_ = e.opt.Map.SetROAccess(k, false, true)
	}
	_ = e.sendNodeinfo(e.us.id)
	return nil
}

// Exit is votequorum_exec_exit_fn: with allow_downscale the others are told
// we are leaving so they can lower expected votes.
func (e *Engine) Exit() error {
	if e.allowDownscale {
		e.us.flags |= wire.NodeFlagsLeaving
		return e.sendNodeinfo(e.us.id)
	}
	return nil
}

func (e *Engine) sendNodeinfo(id uint32) error {
	n := e.findNode(id)
	if n == nil {
		return fmt.Errorf("votequorum: no node %d", id)
	}
	return e.mcast(&wire.VotequorumNodeinfo{NodeID: id, Votes: n.votes, ExpectedVotes: n.expected, Flags: n.flags})
}

func (e *Engine) sendReconfigure(param uint8, id, value uint32) error {
	return e.mcast(&wire.VotequorumReconfigure{NodeID: id, Value: value, Param: param})
}

// Quorate reports the local quorate flag (cluster_is_quorate).
func (e *Engine) Quorate() bool { return e.clusterIsQuorate }

// Members is the member list of the last sync (quorum_members).
func (e *Engine) Members() []uint32 { return append([]uint32(nil), e.quorumMembers...) }

// RingID is the ring id of the last sync.
func (e *Engine) RingID() wire.RingID { return e.quorumRingID }

// NodeInfo is what corosync-quorumtool shows per node.
type NodeInfo struct {
	NodeID, State, Votes, ExpectedVotes, Flags uint32
}

// Node returns the engine's record of a node (nodeid 0: the qdevice).
func (e *Engine) Node(id uint32) (NodeInfo, bool) {
	n := e.findNode(id)
	if n == nil {
		return NodeInfo{}, false
	}
	return NodeInfo{n.id, n.state, n.votes, n.expected, n.flags}, true
}

// QuorumValue is the current quorum (uint8 as in C).
func (e *Engine) QuorumValue() uint32 { return uint32(e.quorum) }
