package confparse

import (
	"fmt"
	"sort"
	"strings"
)

// generateClusterID is generate_cluster_id: value <<= 1, value += char
// (signed, int arithmetic), low 16 bits.
func generateClusterID(name string) uint16 {
	var v int32
	for i := 0; i < len(name); i++ {
		v <<= 1
		v += int32(int8(name[i]))
	}
	return uint16(v & 0xFFFF)
}

// clusterMcastAddr is get_cluster_mcast_addr. The IPv4 form takes the low
// byte as clusterid % 0xFF (not & 0xFF), as C does.
func (tc *totemConfig) clusterMcastAddr(name string, link int, v6 bool) totemIP {
	id := generateClusterID(name) + uint16(link)
	var addr string
	if v6 {
		addr = fmt.Sprintf("ff15::%x", id)
	} else {
		addr = fmt.Sprintf("239.192.%d.%d", id>>8, id%0xFF)
	}
	ver := "ipv4"
	if v6 {
		ver = "ipv6"
	}
	t, _ := tc.totemipParse(addr, ver)
	return t
}

// getInterfaceParams is get_interface_params for the initial read.
func (tc *totemConfig) getInterfaceParams(warn *[4]bool) error {
	clusterName, hasCluster := tc.m.getString("totem.cluster_name")
	for _, key := range tc.m.keysWithPrefix("totem.interface.") {
		rest := strings.TrimPrefix(key, "totem.interface.")
		linkKey, item, ok := strings.Cut(rest, ".")
		if !ok || linkKey == "" || item == "" {
			continue // sscanf "%[^.].%s" needs both parts
		}
		if item != "bindnetaddr" && tc.transport == "udp" {
			continue
		}
		link64 := cAtoi(linkKey)
		if link64 < 0 || link64 >= interfaceMax {
			return tc.fail(fmt.Sprintf("parse error in config: interface ring number %d is bigger than allowed maximum %d",
				uint32(link64), interfaceMax-1))
		}
		link := int(link64)
		f := &tc.ifaces[link]
		kf := func(name string) string { return fmt.Sprintf("totem.interface.%d.%s", link, name) }

		if s, ok := tc.m.getString(kf("bindnetaddr")); ok {
			t, ok := tc.totemipParse(s, tc.ipVersion)
			if !ok {
				return tc.fail(fmt.Sprintf("failed to parse bindnet address '%s'", s))
			}
			f.bindnet = t
		}
		if s, ok := tc.m.getString(kf("mcastaddr")); ok {
			t, ok := tc.totemipParse(s, tc.ipVersion)
			if !ok {
				return tc.fail(fmt.Sprintf("failed to parse mcast address '%s'", s))
			}
			f.mcast = t
		} else if tc.transport == "udp" && hasCluster {
			// The family comes from interface 0's bindnet, whatever link this is.
			v6 := tc.ifaces[0].bindnet.family == famV6
			f.mcast = tc.clusterMcastAddr(clusterName, link, v6)
		}
		if s, ok := tc.m.getString(kf("broadcast")); ok && s == "yes" {
			tc.broadcast = true
		}

		if p, ok := tc.m.getU16(kf("mcastport")); ok {
			f.port = p
		} else if tc.broadcast {
			f.port = uint16(defaultPort + 2*link)
		} else {
			f.port = uint16(defaultPort + link)
		}
		f.ttl = 1
		if v, ok := tc.m.getU8(kf("ttl")); ok {
			f.ttl = int(v)
		}
		f.knetTransport = "udp"
		if s, ok := tc.m.getString(kf("knet_transport")); ok {
			if s != "sctp" && s != "udp" {
				return tc.fail("Unrecognised knet_transport. expected 'udp' or 'sctp'")
			}
			f.knetTransport = s
		}
		f.configured = true

		f.linkPriority = 1
		if v, ok := tc.m.getU8(kf("knet_link_priority")); ok {
			f.linkPriority = int(v)
		}
		f.pingInterval, _ = tc.m.getU32(kf("knet_ping_interval"))
		f.pingTimeout, _ = tc.m.getU32(kf("knet_ping_timeout"))
		f.pingPrecision = knetPingPrec
		if v, ok := tc.m.getU32(kf("knet_ping_precision")); ok {
			f.pingPrecision = v
		}
		f.pongCount = knetPongCount
		if v, ok := tc.m.getU32(kf("knet_pong_count")); ok {
			f.pongCount = v
		}

		f.members = nil
		for _, mk := range tc.m.keysWithPrefix(kf("member.")) {
			if len(f.members) == 0 {
				if _, ok := tc.m.getString("nodelist.node.0.ring0_addr"); ok {
					warn[0] = true
					break
				}
				warn[1] = true
			}
			s, ok := tc.m.getString(mk)
			if !ok {
				continue
			}
			t, ok := tc.totemipParse(s, tc.ipVersion)
			if !ok {
				return tc.fail(fmt.Sprintf("failed to parse node address '%s'", s))
			}
			f.members = append(f.members, member{addr: t})
		}
	}
	return nil
}

// putNodelistMembers is put_nodelist_members_to_config: every node's
// ringN_addr becomes a member of link N, in icmap key order, generating
// nodeids for udp/udpu as it goes.
func (tc *totemConfig) putNodelistMembers() error {
	for i := range tc.ifaces {
		tc.ifaces[i].members = nil
	}
	last := int64(-1)
	for _, k := range tc.m.keysWithPrefix("nodelist.node.") {
		pos, _, ok := nodeKey(k)
		if !ok || int64(pos) == last {
			continue
		}
		last = int64(pos)
		prefix := fmt.Sprintf("nodelist.node.%d.", pos)
		keys := tc.m.keysWithPrefix(prefix)
		for i := 0; i < len(keys); i++ {
			k2 := keys[i]
			nodeid, _ := tc.m.getU32(prefix + "nodeid")
			link, ok := ringKey(strings.TrimPrefix(k2, prefix))
			if !ok {
				continue
			}
			if link >= interfaceMax {
				return tc.fail(fmt.Sprintf("parse error in config: interface ring number %d is bigger than allowed maximum %d",
					link, interfaceMax-1))
			}
			addr, ok := tc.m.getString(k2)
			if !ok {
				continue
			}
			if nodeid == 0 && tc.transport != "knet" {
				if ring0, ok := tc.m.getString(prefix + "ring0_addr"); ok {
					nodeid = tc.generateNodeID(ring0)
					if nodeid == 0xFFFFFFFF {
						return tc.fail(fmt.Sprintf("An IPV6 network requires that a node ID be specified for address '%s'.", addr))
					}
					if !tc.m.has(prefix+"nodeid") && tc.trieSplits(k2, len(prefix)) {
						// Inserting the nodeid splits the trie node the
						// iterator stands on, and C visits k2 again: the
						// member is added twice (so token_coefficient
						// counts it twice).
						keys = append(keys[:i+1:i+1], keys[i:]...)
					}
					tc.m.set(prefix+"nodeid", nodeid)
				}
			}
			if nodeid == 0 && tc.transport == "knet" {
				return tc.fail(fmt.Sprintf("Knet requires an explicit nodeid to be specified for address '%s'.", addr))
			}
			if tc.transport == "knet" && nodeid >= knetMaxHost {
				return tc.fail(fmt.Sprintf("Knet requires nodeid to be less than %d for address '%s'.", knetMaxHost, addr))
			}
			t, ok := tc.totemipParse(addr, tc.ipVersion)
			if !ok {
				return tc.fail(fmt.Sprintf("failed to parse node address '%s'", addr))
			}
			if len(tc.ifaces[link].members) >= processorMax {
				// C writes past member_list[PROCESSOR_COUNT_MAX] into the
				// next interface and fails on the garbage (with 400 nodes:
				// "Can only set ttl ... for interface 1"); we say why.
				return tc.parseErr("more than %d nodes on link %d", processorMax, link)
			}
			tc.ifaces[link].members = append(tc.ifaces[link].members, member{addr: t, nodeid: nodeid})
			tc.ifaces[link].configured = true
		}
	}
	// configure_link_params: the local node's address on each link.
	local := tc.findLocalNode(false)
	for i := range tc.ifaces {
		f := &tc.ifaces[i]
		if !f.configured {
			continue
		}
		s, ok := tc.m.getString(fmt.Sprintf("nodelist.node.%d.ring%d_addr", local, i))
		if !ok {
			continue
		}
		if t, ok := tc.totemipParse(s, tc.ipVersion); ok {
			f.localIP = t
		}
		if f.linkPriority == 0 {
			f.linkPriority = 1
		}
		if f.pingPrecision == 0 {
			f.pingPrecision = knetPingPrec
		}
		if f.pongCount == 0 {
			f.pongCount = knetPongCount
		}
		if f.knetTransport == "" {
			f.knetTransport = "udp"
		}
		if f.port == 0 {
			f.port = uint16(defaultPort + i)
		}
	}
	return nil
}

// trieSplits reports whether inserting a key that diverges from key after
// its first d bytes splits the libqb trie node holding key. That node starts
// after the longest prefix key shares with any other key; the insertion
// splits it when it starts before byte d.
func (tc *totemConfig) trieSplits(key string, d int) bool {
	// Keys added since the last sorted snapshot are generated nodeids of
	// other nodes, which never share more with key than their node's
	// ringN_addr already does: the snapshot gives the same answer.
	all := tc.m.names
	if all == nil {
		all = tc.m.keysWithPrefix("")
	}
	i := sort.SearchStrings(all, key)
	longest := 0
	if i < len(all) && all[i] != key {
		i-- // not in the snapshot: compare with both neighbours below
	}
	for _, j := range []int{i - 1, i + 1} {
		if j >= 0 && j < len(all) {
			if l := commonPrefix(key, all[j]); l > longest {
				longest = l
			}
		}
	}
	return longest < d
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
