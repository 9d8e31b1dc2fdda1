package cfg

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/wire"
)

func TestLocalGet(t *testing.T) {
	f := newFixture(t, nil)
	r, err := wire.DecodeCfgResLocalGet(f.dial().req(wire.CfgReqHeaderOnly(wire.MessageReqCfgLocalGet)))
	if err != nil || r.Error != wire.CsOK || r.NodeID != 1 {
		t.Fatalf("%+v %v", r, err)
	}
}

func nodeStatus(t *testing.T, c *client, nodeid, version uint32) *wire.CfgResNodeStatusGet {
	t.Helper()
	b := c.req((&wire.CfgReqNodeStatusGet{NodeID: nodeid, Version: version}).Append(nil))
	r, err := wire.DecodeCfgResNodeStatusGet(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// udpu as C reports it: link 0 only, connected = in the membership, the
// nodelist address as source, no destination, net_mtu 1410.
func TestNodeStatusUDPU(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial()
	want := map[uint32]wire.CfgLinkStatusV1{
		1: {Enabled: 1, Connected: 1, MTU: 1410, SrcIPAddr: "10.0.0.1"},
		2: {Enabled: 1, Connected: 1, MTU: 1410, SrcIPAddr: "10.0.0.2"},
		3: {Enabled: 1, Connected: 0, MTU: 1410, SrcIPAddr: "10.0.0.3"},
	}
	for id, l := range want {
		r := nodeStatus(t, c, id, 1)
		if r.Error != wire.CsOK || r.Status.Version != 1 || r.Status.NodeID != id {
			t.Fatalf("node %d: %+v", id, r)
		}
		if r.Status.Reachable != b2u8(id != 3) || r.Status.Links[0] != l || r.Status.Links[1] != (wire.CfgLinkStatusV1{}) {
			t.Errorf("node %d: %+v", id, r.Status)
		}
	}
	// Unknown node: C still answers CS_OK, with the asked nodeid.
	r := nodeStatus(t, c, 42, 1)
	if r.Error != wire.CsOK || r.Status.NodeID != 42 || r.Status.Reachable != 0 || r.Status.Links[0].Enabled != 0 {
		t.Errorf("unknown node: %+v", r)
	}
	if r := nodeStatus(t, c, 1, 2); r.Error != wire.CsErrNotSupported {
		t.Errorf("version 2: %v", r.Error)
	}
}

type failingNode struct{ *fakeNode }

func (failingNode) NodeStatus(uint32) (NodeStatus, error) { return NodeStatus{}, errors.New("no") }

func TestNodeStatusFailed(t *testing.T) {
	var fn *fakeNode
	f := newFixture(t, func(c *Config) { fn = c.Node.(*fakeNode); c.Node = failingNode{fn} })
	if r := nodeStatus(t, f.dial(), 1, 1); r.Error != wire.CsErrFailedOperation {
		t.Fatalf("%v", r.Error)
	}
}

func TestRingStatus(t *testing.T) {
	f := newFixture(t, nil)
	r, err := wire.DecodeCfgResRingStatusGet(f.dial().req(wire.CfgReqHeaderOnly(wire.MessageReqCfgRingStatusGet)))
	if err != nil || r.Error != wire.CsOK || r.Count != 1 || r.Names[0] != "0 10.0.0.1" || r.Status[0] != "OK" || r.Names[1] != "" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestRingReenable(t *testing.T) {
	f := newFixture(t, nil)
	if st := f.dial().status(wire.CfgReqHeaderOnly(wire.MessageReqCfgRingReenable), wire.MessageResCfgRingReenable); st != wire.CsErrNotSupported {
		t.Fatal(st)
	}
}

func getAddrs(t *testing.T, c *client, nodeid uint32) *wire.CfgResGetNodeAddrs {
	t.Helper()
	r, err := wire.DecodeCfgResGetNodeAddrs(c.req((&wire.CfgReqGetNodeAddrs{NodeID: nodeid}).Append(nil)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGetNodeAddrs(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial()
	for _, x := range []struct {
		nodeid uint32
		addr   byte
	}{{0, 1}, {1, 1}, {3, 3}} {
		r := getAddrs(t, c, x.nodeid)
		if r.Error != wire.CsOK || r.Family != 2 || r.NumAddrs != 1 || len(r.Slots) != 1 ||
			r.Slots[0] != [16]byte{10, 0, 0, x.addr} {
			t.Errorf("node %d: %+v", x.nodeid, r)
		}
	}
	if r := getAddrs(t, c, 9); r.Error != wire.CsErrNotExist || len(r.Slots) != 0 {
		t.Errorf("unknown node: %+v", r)
	}
}

func TestGetNodeAddrsIPv6(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		n := c.Node.(*fakeNode)
		n.Nodes = func() []confparse.Node {
			nd := confparse.Node{NodeID: 1}
			nd.Addrs[0] = net.ParseIP("fd00::1")
			return []confparse.Node{nd}
		}
	})
	r := getAddrs(t, f.dial(), 1)
	want := netip.MustParseAddr("fd00::1").As16()
	if r.Error != wire.CsOK || r.Family != 10 || r.NumAddrs != 1 || r.Slots[0] != want {
		t.Fatalf("%+v", r)
	}
}

func killReq(nodeid uint32, reason string) []byte {
	n, _ := wire.NewCsName(reason)
	return (&wire.CfgReqKillnode{NodeID: nodeid, Reason: n}).Append(nil)
}

// Only joined members can be killed; the exec message carries the reason
// as mar_name_t and the target alone exits.
func TestKillnode(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial()
	for _, id := range []uint32{3, 9} {
		if st := c.status(killReq(id, "x"), wire.MessageResCfgKillnode); st != wire.CsErrNotExist {
			t.Errorf("kill %d: %v", id, st)
		}
	}
	if st := c.status(killReq(2, "Killed by corosync-cfgtool"), wire.MessageResCfgKillnode); st != wire.CsOK {
		t.Fatal(st)
	}
	f.waitSent(wire.ServiceID(ServiceID, wire.MessageReqExecCfgKillnode), 1)
	f.node.mu.Lock()
	m, err := wire.DecodeCfgKillnode(f.node.sent[0])
	f.node.mu.Unlock()
	if err != nil || m.NodeID != 2 || m.Reason.Length != 27 || cReason(m.Reason) != "Killed by corosync-cfgtool" {
		t.Fatalf("%+v %v", m, err)
	}
	f.waitLog("debug request to kill node 2 (us=1)")
	f.noEvents()

	// The same message from node 2 naming us.
	m.NodeID = 1
	b, _ := m.Append(nil)
	f.eng.Deliver(2, b)
	f.waitLog("notice Killed by node 2 : Killed by corosync-cfgtool")
	f.waitEvent("fatal")
}

func TestKillnodeStatusNotString(t *testing.T) {
	f := newFixture(t, nil)
	_ = f.m.Set("runtime.members.2.status", uint32(1))
	if st := f.dial().status(killReq(2, "x"), wire.MessageResCfgKillnode); st != wire.CsErrLibrary {
		t.Fatal(st)
	}
}

func TestReopenLogFiles(t *testing.T) {
	f := newFixture(t, nil)
	if st := f.dial().status(wire.CfgReqHeaderOnly(wire.MessageReqCfgReopenLogFiles), wire.MessageResCfgReopenLogFiles); st != wire.CsOK {
		t.Fatal(st)
	}
	f.waitEvent("reopen")
	g := newFixture(t, func(c *Config) { c.Reopen = func() error { return wire.CsErrLibrary } })
	if st := g.dial().status(wire.CfgReqHeaderOnly(wire.MessageReqCfgReopenLogFiles), wire.MessageResCfgReopenLogFiles); st != wire.CsErrLibrary {
		t.Fatal(st)
	}
}

// A request shorter than its struct gets its own response id with
// CS_ERR_INVALID_PARAM instead of C's read past the end.
func TestShortRequests(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial()
	for _, x := range []struct{ req, res int32 }{
		{wire.MessageReqCfgKillnode, wire.MessageResCfgKillnode},
		{wire.MessageReqCfgTryShutdown, wire.MessageResCfgTryShutdown},
		{wire.MessageReqCfgReplyToShutdown, wire.MessageResCfgReplyToShutdown},
		{wire.MessageReqCfgTrackStart, wire.MessageResCfgStateTrackStart},
	} {
		if st := c.status(wire.CfgReqHeaderOnly(x.req), x.res); st != wire.CsErrInvalidParam {
			t.Errorf("id %d: %v", x.req, st)
		}
	}
	b := c.req(wire.CfgReqHeaderOnly(wire.MessageReqCfgNodeStatusGet))
	if r, err := wire.DecodeCfgResNodeStatusGet(b); err != nil || r.Error != wire.CsErrInvalidParam {
		t.Errorf("nodestatus: %+v %v", r, err)
	}
	b = c.req(wire.CfgReqHeaderOnly(wire.MessageReqCfgGetNodeAddrs))
	if r, err := wire.DecodeCfgResGetNodeAddrs(b); err != nil || r.Error != wire.CsErrInvalidParam {
		t.Errorf("addrs: %+v %v", r, err)
	}
	// Unknown ids are the ipc layer's: id 0, CS_ERR_INVALID_PARAM.
	if st := c.status(wire.CfgReqHeaderOnly(12), 0); st != wire.CsErrInvalidParam {
		t.Errorf("id 12: %v", st)
	}
}

func TestCryptoReconfigPhases(t *testing.T) {
	var mu sync.Mutex
	var phases []uint32
	f := newFixture(t, func(c *Config) {
		c.CryptoReconfigure = func(p uint32) { mu.Lock(); phases = append(phases, p); mu.Unlock() }
	})
	b, _ := (&wire.CfgCryptoReconfig{Phase: wire.CryptoReconfigPhaseActivate}).Append(nil)
	f.eng.Deliver(2, b) // another node's: ignored
	f.eng.Deliver(1, b)
	f.waitLog("debug Crypto reconfiguration phase 1")
	f.waitLog("debug Crypto reconfiguration phase 2")
	f.waitSent(wire.ServiceID(ServiceID, wire.MessageReqExecCfgCryptoReconfig), 1)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(phases)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(phases) != 2 || phases[0] != 1 || phases[1] != 2 {
		t.Fatalf("phases %v", phases)
	}
}

func TestDeliverGarbage(t *testing.T) {
	f := newFixture(t, nil)
	f.eng.Deliver(2, []byte{1, 2})
	f.eng.Deliver(2, wire.RequestHeader{ID: wire.ServiceID(ServiceID, 9), Size: 16}.Append(nil))
	f.eng.Deliver(2, wire.RequestHeader{ID: wire.ServiceID(2, 0), Size: 16}.Append(nil))
	f.noEvents()
}

// An unbound interface shows its link disabled, as totemudpu does outside
// BIND_STATE_REGULAR; IPv6 headers cost 20 more bytes of net_mtu.
func TestUDPNodeUnbound(t *testing.T) {
	n := &UDPNode{NodeID: 1, Members: func() []uint32 { return []uint32{1} }, Nodes: testNodes,
		Bound: func() bool { return false }, NetMTU: func() int { return UDPNetMTU(1500, true) }}
	st, err := n.NodeStatus(1)
	if err != nil || !st.Reachable || st.Links[0].Enabled != 0 || st.Links[0].Connected != 1 || st.Links[0].MTU != 1390 {
		t.Fatalf("%+v %v", st, err)
	}
}
