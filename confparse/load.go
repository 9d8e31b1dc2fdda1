package confparse

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
)

// Load reads a corosync.conf and makes every check `corosync -t -c path`
// makes, in C's order (exec/main.c): the file and uidgid.d, the logging
// section, the state directory, then totem_config_read and _validate.
// On success the Config holds the cmap keys C has stored by then.
func Load(path string, opt Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("Can't read file %s: %s", path, errnoErr(err)), Status: statusMainConfig}
	}
	return LoadBytes(path, data, opt)
}

// LoadBytes is Load on a file already read; path names it in errors and
// locates uidgid.d.
func LoadBytes(path string, data []byte, opt Options) (*Config, error) {
	m := newICMap()
	ids := opt.ids()
	if err := parseFile(path, data, &mainCB{m: m, ids: ids}); err != nil {
		return nil, withStatus(err, statusMainConfig)
	}
	dir := opt.UIDGIDDir
	if dir == "" {
		dir = filepath.Dir(path) + "/uidgid.d"
	}
	if err := readUIDGIDDir(dir, m, ids); err != nil {
		return nil, withStatus(err, statusMainConfig)
	}

	cfg := &Config{}
	lc := &logChecker{m: m, opt: &opt, warnings: &cfg.Warnings, opened: map[string]bool{}}
	if err := lc.read(); err != nil {
		return nil, err
	}

	tc := &totemConfig{m: m, opt: &opt, localPos: -1}
	late := func(err error) error {
		if e, ok := err.(*Error); ok {
			e.Keys = m.sorted()
			e.Warnings = append(append([]string(nil), cfg.Warnings...), tc.warnings...)
		}
		return err
	}
	if err := opt.stateDirOK(tc.stateDir()); err != nil {
		return nil, late(&Error{Msg: fmt.Sprintf("Cannot chdir to state directory %s. %s", tc.stateDir(), errnoErr(err)),
			Status: statusStateDir})
	}
	if err := tc.read(); err != nil {
		return nil, late(err)
	}
	cfg.Warnings = append(cfg.Warnings, tc.warnings...)
	if err := tc.validate(); err != nil {
		tc.warnings = nil // already in cfg.Warnings
		return nil, late(err)
	}
	cfg.Keys = m.sorted()
	cfg.fill(tc)
	return cfg, nil
}

func withStatus(err error, status int) error {
	if e, ok := err.(*Error); ok && e.Status == 0 {
		e.Status = status
	}
	return err
}

// Node is one nodelist entry with its resolved ring addresses.
type Node struct {
	Pos    int
	NodeID uint32
	Name   string
	Addrs  [interfaceMax]net.IP // by link number; nil where the node has no ringN_addr
	Votes  uint32
}

// Link is one configured totem interface (knet link, or the udp/udpu ring).
type Link struct {
	Number        int
	Bindnet       net.IP
	Mcast         net.IP
	Port          uint16
	TTL           int
	KnetTransport string
	Priority      int
	PingInterval  uint32
	PingTimeout   uint32
	PingPrecision uint32
	PongCount     uint32
	LocalAddr     net.IP
	Members       []net.IP // in the order C's member_list holds them
}

// Totem holds the effective runtime.config.totem.* values and the other
// totem settings the daemon needs.
type Totem struct {
	Transport   string // udp, udpu or knet
	Version     uint32
	ClusterName string
	LinkMode    string
	IPVersion   string
	NetMTU      uint32
	Cipher      string
	Hash        string
	CryptoModel string
	Key         []byte
	Broadcast   bool

	Token, TokenRetransmit, Hold, Join, SendJoin, Consensus, Merge, Downcheck    uint32
	TokenRetransmitsBeforeLoss, TokenWarning, FailRecvConst, SeqnoUnchangedConst uint32
	MaxNetworkDelay, WindowSize, MaxMessages, MissCountConst, HeartbeatFailures  uint32
	KnetPMTUDInterval, KnetMTU, KnetCompressionThreshold                         uint32
	KnetCompressionLevel                                                         int32
	KnetCompressionModel                                                         string
	BlockUnlistedIPs, CancelTokenHoldOnRetransmit                                bool
}

type derived struct {
	nodeID   uint32
	localPos int
	totem    Totem
	links    []Link
	nodes    []Node
}

func (c *Config) fill(tc *totemConfig) {
	d := &c.derived
	d.nodeID = tc.nodeID
	d.localPos = -1
	if v, ok := tc.m.getU32("nodelist.local_node_pos"); ok {
		d.localPos = int(v)
	}
	v := tc.volatileU32
	t := &d.totem
	t.Transport, t.Version, t.LinkMode, t.IPVersion, t.NetMTU = tc.transport, tc.version, tc.linkMode, tc.ipVersion, tc.netMTU
	t.ClusterName, _ = tc.m.getString("totem.cluster_name")
	t.Cipher, t.Hash, t.CryptoModel, t.Key, t.Broadcast = tc.cipher, tc.hash, tc.model, tc.key, tc.broadcast
	t.Token, t.TokenRetransmit, t.Hold, t.Join = v["totem.token"], v["totem.token_retransmit"], v["totem.hold"], v["totem.join"]
	t.SendJoin, t.Consensus, t.Merge, t.Downcheck = v["totem.send_join"], v["totem.consensus"], v["totem.merge"], v["totem.downcheck"]
	t.TokenRetransmitsBeforeLoss = v["totem.token_retransmits_before_loss_const"]
	t.TokenWarning, t.FailRecvConst = v["totem.token_warning"], v["totem.fail_recv_const"]
	t.SeqnoUnchangedConst, t.MaxNetworkDelay = v["totem.seqno_unchanged_const"], v["totem.max_network_delay"]
	t.WindowSize, t.MaxMessages, t.MissCountConst = v["totem.window_size"], v["totem.max_messages"], v["totem.miss_count_const"]
	t.HeartbeatFailures, t.KnetPMTUDInterval = v["totem.heartbeat_failures_allowed"], v["totem.knet_pmtud_interval"]
	t.KnetMTU, t.KnetCompressionThreshold = v["totem.knet_mtu"], v["totem.knet_compression_threshold"]
	t.KnetCompressionLevel, _ = tc.m.getI32("runtime.config.totem.knet_compression_level")
	t.KnetCompressionModel, _ = tc.m.getString("runtime.config.totem.knet_compression_model")
	t.BlockUnlistedIPs = v["totem.block_unlisted_ips"] == 1
	t.CancelTokenHoldOnRetransmit = v["totem.cancel_token_hold_on_retransmit"] == 1

	for i, f := range tc.ifaces {
		if !f.configured {
			continue
		}
		l := Link{Number: i, Bindnet: f.bindnet.ip, Mcast: f.mcast.ip, Port: f.port, TTL: f.ttl,
			KnetTransport: f.knetTransport, Priority: f.linkPriority, PingInterval: f.pingInterval,
			PingTimeout: f.pingTimeout, PingPrecision: f.pingPrecision, PongCount: f.pongCount,
			LocalAddr: f.localIP.ip}
		for _, mb := range f.members {
			l.Members = append(l.Members, mb.addr.ip)
		}
		d.links = append(d.links, l)
	}

	byPos := map[uint32]*Node{}
	var order []uint32
	for _, k := range tc.m.keysWithPrefix("nodelist.node.") {
		pos, rest, ok := nodeKey(k)
		if !ok {
			continue
		}
		n := byPos[pos]
		if n == nil {
			n = &Node{Pos: int(pos), Votes: 1}
			byPos[pos] = n
			order = append(order, pos)
		}
		switch rest {
		case "nodeid":
			n.NodeID, _ = tc.m.getU32(k)
		case "name":
			n.Name, _ = tc.m.getString(k)
		case "quorum_votes":
			if q, ok := tc.m.getU32(k); ok {
				n.Votes = q
			}
		default:
			if link, ok := ringKey(rest); ok && link < interfaceMax {
				if s, ok := tc.m.getString(k); ok {
					if a, ok := tc.totemipParse(s, tc.ipVersion); ok {
						n.Addrs[link] = a.ip
					}
				}
			}
		}
	}
	for _, p := range sortedU32(order) {
		d.nodes = append(d.nodes, *byPos[p])
	}
}

func sortedU32(s []uint32) []uint32 {
	out := append([]uint32(nil), s...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// NodeID is this node's id (from the nodelist, or generated for udp/udpu).
func (c *Config) NodeID() uint32 { return c.derived.nodeID }

// Transport is udp, udpu or knet.
func (c *Config) Transport() string { return c.derived.totem.Transport }

// LocalNodePos is nodelist.local_node_pos, -1 if unset.
func (c *Config) LocalNodePos() int { return c.derived.localPos }

// Nodes lists the nodelist in position order.
func (c *Config) Nodes() []Node { return c.derived.nodes }

// Links lists the configured interfaces in link-number order.
func (c *Config) Links() []Link { return c.derived.links }

// Totem returns the effective totem settings and timers.
func (c *Config) Totem() Totem { return c.derived.totem }
