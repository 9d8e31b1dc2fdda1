package confparse

import "strings"

// nodelistByName is nodelist_byname: the first node, in icmap key order,
// whose name or ring0_addr equals findName (optionally comparing only the
// part of the node's value before its first dot).
func (tc *totemConfig) nodelistByName(findName string, stripDomain bool) int {
	for _, k := range tc.m.keysWithPrefix("nodelist.node.") {
		pos, rest, ok := nodeKey(k)
		if !ok || (rest != "name" && rest != "ring0_addr") {
			continue
		}
		name, ok := tc.m.getString(k)
		if !ok {
			continue
		}
		if stripDomain {
			if i := strings.IndexByte(name, '.'); i >= 0 {
				name = name[:i]
			}
		}
		if findName == name {
			return int(pos)
		}
	}
	return -1
}

// findLocalNode is find_local_node. Its quirk is kept: when nothing
// matches after the address-resolution pass, C returns the node position
// of the last nodelist key it scanned (without setting local_node_pos), and
// totem_config_read goes on using that node.
func (tc *totemConfig) findLocalNode(useCache bool) int {
	if useCache {
		if v, ok := tc.m.getU32("nodelist.local_node_pos"); ok {
			return int(v)
		}
	}
	found := func(pos int) int {
		tc.m.set("nodelist.local_node_pos", uint32(pos))
		return pos
	}
	node, err := tc.opt.hostname()
	if err != nil {
		return -1
	}
	if p := tc.nodelistByName(node, false); p > -1 {
		return found(p)
	}
	short := node
	for {
		i := strings.LastIndexByte(short, '.')
		if i < 0 {
			break
		}
		short = short[:i]
		if p := tc.nodelistByName(short, false); p > -1 {
			return found(p)
		}
	}
	if p := tc.nodelistByName(short, true); p > -1 {
		return found(p)
	}

	locals, err := tc.opt.localAddrs()
	if err != nil {
		return -1
	}
	for _, ip := range locals {
		name := tc.opt.reverse(ip)
		if p := tc.nodelistByName(name, false); p > -1 {
			return found(p)
		}
		if i := strings.IndexByte(name, '.'); i >= 0 {
			if p := tc.nodelistByName(name[:i], false); p > -1 {
				return found(p)
			}
		}
		// The numeric retry passes sizeof(struct sockaddr) as the length,
		// which getnameinfo refuses for IPv6: only IPv4 gets this chance.
		if ip.To4() != nil {
			if p := tc.nodelistByName(ip.String(), false); p > -1 {
				return found(p)
			}
		}
	}

	last := -1
	for _, k := range tc.m.keysWithPrefix("nodelist.node.") {
		pos, rest, ok := nodeKey(k)
		if !ok {
			continue
		}
		last = int(pos)
		if rest != "name" && rest != "ring0_addr" {
			continue
		}
		v, ok := tc.m.getString(k)
		if !ok {
			continue
		}
		for _, r := range tc.opt.getaddrinfo(v, famAny) {
			for _, l := range locals {
				if r.Equal(l) && ipFamily(r) == ipFamily(l) {
					return found(last)
				}
			}
		}
	}
	return last
}
