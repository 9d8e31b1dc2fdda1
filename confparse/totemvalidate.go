package confparse

import "fmt"

// validate is totem_config_validate (with totem_volatile_config_validate
// and check_for_duplicate_nodeids), in C's order.
func (tc *totemConfig) validate() error {
	configured := 0
	for _, f := range tc.ifaces {
		if f.configured {
			configured++
		}
	}
	if configured == 0 {
		return tc.parseErr("No interfaces defined")
	}
	if _, ok := tc.m.getU32("nodelist.local_node_pos"); !ok {
		return tc.parseErr("No valid name found for local host")
	}
	for i, f := range tc.ifaces {
		if !f.configured {
			continue
		}
		if tc.transport == "udp" && f.mcast.family == 0 {
			return tc.parseErr("No multicast address specified for interface %d", i)
		}
		if f.port == 0 {
			return tc.parseErr("No multicast port specified for interface %d", i)
		}
		if f.ttl > 255 {
			return tc.parseErr("Invalid TTL (should be 0..255) for interface %d", i)
		}
		if tc.transport != "udp" && f.ttl != 1 {
			return tc.parseErr("Can only set ttl on multicast transport types for interface %d", i)
		}
		if f.linkPriority > 255 {
			return tc.parseErr("Invalid link priority (should be 0..255) for interface %d", i)
		}
		if tc.transport != "knet" && f.linkPriority != 1 {
			return tc.parseErr("Can only set link priority on knet transport type for interface %d", i)
		}
		if f.mcast.family == famV6 && tc.nodeID == 0 {
			return tc.parseErr("An IPV6 network requires that a node ID be specified for interface %d", i)
		}
		if !tc.broadcast && tc.transport == "udp" {
			if f.mcast.family != f.bindnet.family {
				return tc.parseErr("Multicast address family does not match bind address family for interface %d", i)
			}
			if f.mcast.family == famV4 && f.mcast.ip[0]>>4 != 0xE {
				return tc.parseErr("mcastaddr is not a correct multicast address for interface %d", i)
			}
		}
	}
	if tc.version != 2 {
		return tc.parseErr("This totem parser can only parse version 2 configurations.")
	}
	if err := tc.volatileValidate(); err != nil {
		return err
	}
	if err := tc.duplicateNodeIDs(); err != nil {
		return err
	}
	if !oneOf(tc.linkMode, "active", "rr", "passive") {
		return tc.parseErr("The Knet link mode \"%s\" specified is invalid.  It must be active, passive or rr.\n", tc.linkMode)
	}
	if tc.transport != "knet" && configured > 1 {
		return tc.parseErr("%d is too many configured interfaces for non-Knet transport.", configured)
	}
	if tc.transport != "knet" && (tc.cipher != "none" || tc.hash != "none") {
		return tc.parseErr("crypto_cipher & crypto_hash are only valid for the Knet transport.")
	}
	if tc.netMTU == 0 {
		tc.netMTU = udpNetMTU
		if tc.transport == "knet" {
			tc.netMTU = knetMaxPacket
		}
	}
	return nil
}

// volatileValidate is totem_volatile_config_validate. C prints the unsigned
// fields with %d.
func (tc *totemConfig) volatileValidate() error {
	v := tc.volatileU32
	d := func(k string) int32 { return int32(v[k]) }
	min := func(key, what string) error {
		if v[key] < minimumTimeout {
			return tc.parseErr("The %s parameter (%d ms) may not be less than (%d ms).", what, d(key), minimumTimeout)
		}
		return nil
	}
	if err := min("totem.max_network_delay", "max_network_delay"); err != nil {
		return err
	}
	if err := min("totem.token", "token timeout"); err != nil {
		return err
	}
	if v["totem.token_warning"] > 100 {
		return tc.parseErr("The token warning parameter (%d%%) must be between 0 (disabled) and 100.", d("totem.token_warning"))
	}
	if v["totem.token_retransmit"] < minimumTimeout {
		if _, ok := tc.m.getU32("totem.token_retransmit"); ok {
			return tc.parseErr("The token retransmit timeout parameter (%d ms) may not be less than (%d ms).",
				d("totem.token_retransmit"), minimumTimeout)
		}
		return tc.parseErr("Not appropriate token or token_retransmits_before_loss_const value set")
	}
	if v["totem.hold"] < minimumHold {
		return tc.parseErr("The token hold timeout parameter (%d ms) may not be less than (%d ms).", d("totem.hold"), minimumHold)
	}
	if err := min("totem.join", "join timeout"); err != nil {
		return err
	}
	if err := min("totem.consensus", "consensus timeout"); err != nil {
		return err
	}
	if v["totem.consensus"] < v["totem.join"] {
		return tc.parseErr("The consensus timeout parameter (%d ms) may not be less than join timeout (%d ms).",
			d("totem.consensus"), d("totem.join"))
	}
	if err := min("totem.merge", "merge timeout"); err != nil {
		return err
	}
	if err := min("totem.downcheck", "downcheck timeout"); err != nil {
		return err
	}

	configured, members := 0, -1
	for _, f := range tc.ifaces {
		if f.configured {
			if configured == 0 {
				members = len(f.members)
			}
			configured++
		}
	}
	if configured > 1 {
		for i := 0; i < members; i++ {
			if _, ok := tc.m.getString(fmt.Sprintf("nodelist.node.%d.name", i)); !ok {
				return tc.parseErr("for a multi-link configuration, all nodes must have a 'name' attribute")
			}
		}
		for _, f := range tc.ifaces {
			if f.configured && len(f.members) != members {
				return tc.parseErr("Not all nodes have the same number of links")
			}
		}
	}
	for i, f := range tc.ifaces {
		if !f.configured {
			continue
		}
		for j := 1; j < len(f.members); j++ {
			if f.members[j].addr.family != f.members[0].addr.family {
				return tc.parseErr("Nodes for link %d have different IP families (compared %s with %s)",
					i, f.members[j].addr, f.members[0].addr)
			}
		}
	}
	return nil
}

// duplicateNodeIDs is check_for_duplicate_nodeids, including its blind
// spots: a node is only compared with earlier nodes (in key order) that
// have an explicit nodeid, and the scan of earlier nodes stops at the first
// key whose position is not below the node's own.
func (tc *totemConfig) duplicateNodeIDs() error {
	type parsed struct {
		pos    uint32
		ok     bool
		nodeid bool // rest == "nodeid"
		key    string
	}
	keys := tc.m.keysWithPrefix("nodelist.node.")
	ps := make([]parsed, len(keys))
	for i, k := range keys {
		pos, rest, ok := nodeKey(k)
		ps[i] = parsed{pos, ok, rest == "nodeid", k}
	}
	last := int64(-1)
	for _, p := range ps {
		if !p.ok || int64(p.pos) == last {
			continue
		}
		pos := p.pos
		last = int64(pos)
		nodeid, ok := tc.m.getU32(fmt.Sprintf("nodelist.node.%d.nodeid", pos))
		auto := ""
		if !ok {
			ring0, ok := tc.m.getString(fmt.Sprintf("nodelist.node.%d.ring0_addr", pos))
			if !ok {
				continue
			}
			nodeid = tc.generateNodeID(ring0)
			if nodeid == 0xFFFFFFFF {
				continue
			}
			auto = ring0
		}
		var pos1 uint32
		for _, q := range ps {
			if pos1 >= pos {
				break
			}
			if !q.ok {
				continue
			}
			pos1 = q.pos
			if q.pos >= pos || !q.nodeid {
				continue
			}
			id1, ok := tc.m.getU32(q.key)
			if !ok {
				continue
			}
			if id1 == nodeid {
				if auto != "" {
					return tc.fail(fmt.Sprintf("Nodeid %d(autogenerated from %s) appears twice in corosync.conf", nodeid, auto))
				}
				return tc.fail(fmt.Sprintf("Nodeid %d appears twice in corosync.conf", nodeid))
			}
		}
	}
	return nil
}
