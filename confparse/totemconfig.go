package confparse

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
)

// Limits and defaults of exec/totemconfig.c and include/corosync/totem/totem.h.
const (
	interfaceMax     = 8
	processorMax     = 384
	knetMaxHost      = 65536
	defaultPort      = 5405
	minimumTimeout   = 30 // (1000/HZ)*3 with HZ 100
	minimumHold      = 14 // (int)(MINIMUM_TIMEOUT*0.8 - 1000/HZ)
	knetPingPrec     = 2048
	knetPongCount    = 2
	udpNetMTU        = 1500
	knetMaxPacket    = 65536
	privateKeyMin    = 128  // KNET_MIN_KEY_LEN
	privateKeyMax    = 4096 // KNET_MAX_KEY_LEN
	linkModeBytes    = 64
	defaultSysConf   = "/etc/corosync"
	defaultStateDir  = "/var/lib/corosync"
	tokenCoefficient = 650
)

// totemIP is a resolved struct totem_ip_address; family 0 means unset.
type totemIP struct {
	family int
	ip     net.IP
}

func (t totemIP) String() string {
	if t.family == 0 {
		return ""
	}
	return t.ip.String()
}

type member struct {
	addr   totemIP
	nodeid uint32
}

type totemInterface struct {
	configured    bool
	bindnet       totemIP
	mcast         totemIP
	port          uint16
	ttl           int
	knetTransport string
	linkPriority  int
	pingInterval  uint32
	pingTimeout   uint32
	pingPrecision uint32
	pongCount     uint32
	members       []member
	localIP       totemIP
}

type totemConfig struct {
	m   *icmap
	opt *Options

	transport   string
	version     uint32
	cipher      string
	hash        string
	model       string
	key         []byte
	linkMode    string
	clearHigh   bool
	netMTU      uint32
	ipVersion   string
	broadcast   bool
	ifaces      [interfaceMax]totemInterface
	nodeID      uint32
	localPos    int
	warnings    []string
	tokenTotal  uint32
	volatileU32 map[string]uint32
}

func (tc *totemConfig) fail(msg string) error {
	return &Error{Msg: msg, Status: statusMainConfig}
}

// parseErr is the "parse error in config: %s\n" wrapping of validate.
func (tc *totemConfig) parseErr(format string, a ...any) error {
	return tc.fail("parse error in config: " + fmt.Sprintf(format, a...))
}

// totemipParse is totemip_parse: resolve addr, preferring the family the
// ip_version asks for.
func (tc *totemConfig) totemipParse(addr, ipVersion string) (totemIP, bool) {
	switch ipVersion {
	case "ipv4":
		if r := tc.opt.getaddrinfo(addr, famV4); len(r) > 0 {
			return totemIP{famV4, r[0].To4()}, true
		}
		return totemIP{}, false
	case "ipv6":
		if r := tc.opt.getaddrinfo(addr, famV6); len(r) > 0 {
			return totemIP{famV6, r[0].To16()}, true
		}
		return totemIP{}, false
	}
	var v4, v6 net.IP
	for _, ip := range tc.opt.getaddrinfo(addr, famAny) {
		if ipFamily(ip) == famV4 && v4 == nil {
			v4 = ip.To4()
		}
		if ipFamily(ip) == famV6 && v6 == nil {
			v6 = ip.To16()
		}
	}
	first, second := v4, v6
	firstFam, secondFam := famV4, famV6
	if ipVersion == "ipv6-4" {
		first, second, firstFam, secondFam = v6, v4, famV6, famV4
	}
	if first != nil {
		return totemIP{firstFam, first}, true
	}
	if second != nil {
		return totemIP{secondFam, second}, true
	}
	return totemIP{}, false
}

// generateNodeID is generate_nodeid: the IPv4 address as a big-endian
// number; 0xffffffff (C's -1) when addr has no IPv4 address.
func (tc *totemConfig) generateNodeID(addr string) uint32 {
	t, ok := tc.totemipParse(addr, "ipv4")
	if !ok {
		return math.MaxUint32
	}
	id := uint32(t.ip[0])<<24 | uint32(t.ip[1])<<16 | uint32(t.ip[2])<<8 | uint32(t.ip[3])
	if tc.clearHigh {
		id &= 0x7FFFFFFF
	}
	return id
}

// nodeKey splits "nodelist.node.%u.%s" as C's sscanf does.
func nodeKey(key string) (pos uint32, rest string, ok bool) {
	s, found := strings.CutPrefix(key, "nodelist.node.")
	if !found {
		return 0, "", false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != '.' || i+1 == len(s) {
		return 0, "", false
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil {
		n = math.MaxUint64 // strtoul saturates
	}
	return uint32(n), s[i+1:], true
}

// ringKey splits "ring%u%s" and reports whether the rest is "_addr".
func ringKey(rest string) (link uint64, ok bool) {
	s, found := strings.CutPrefix(rest, "ring")
	if !found {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || s[i:] != "_addr" {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:i], 10, 32)
	if err != nil {
		n = math.MaxUint32
	}
	return n, true
}

// cAtoi is atoi(3): leading blanks, a sign, then digits up to the first
// non-digit; the long strtol returns is truncated to int.
func cAtoi(s string) int64 {
	i := 0
	for i < len(s) && cSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var v int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if v < math.MaxInt64/10 {
			v = v*10 + int64(s[i]-'0')
		}
	}
	if neg {
		v = -v
	}
	return int64(int32(v))
}
