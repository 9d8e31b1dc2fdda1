package cfg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/wire"
)

type nullNode struct{ UDPNode }

func (*nullNode) Mcast([]byte) error { return nil }

// FuzzDeliver hands arbitrary exec messages from arbitrary nodes to the
// engine: nothing may panic, and only a KILLNODE naming us may end us.
func FuzzDeliver(f *testing.F) {
	kill, _ := (&wire.CfgKillnode{NodeID: 1}).Append(nil)
	sd, _ := (&wire.CfgShutdown{}).Append(nil)
	rl, _ := (&wire.CfgReloadConfig{Source: wire.MessageSource{NodeID: 1, Conn: 3}}).Append(nil)
	cr, _ := (&wire.CfgCryptoReconfig{Phase: 1}).Append(nil)
	re, _ := (&wire.CfgRingreenable{}).Append(nil)
	for _, b := range [][]byte{kill, sd, rl, cr, re} {
		f.Add(uint32(1), b)
		f.Add(uint32(2), b)
	}
	f.Fuzz(func(t *testing.T, from uint32, b []byte) {
		fatal := false
		e := New(Config{
			Map: icmap.New(),
			Node: &nullNode{UDPNode{NodeID: 1, Members: func() []uint32 { return nil },
				Nodes: func() []confparse.Node { return nil }}},
			ReadFile: func(string) ([]byte, error) { return nil, errors.New("no file") },
			Fatal:    func() { fatal = true },
		})
		e.Deliver(from, b)
		if fatal {
			m, err := wire.DecodeCfgKillnode(b)
			if err != nil || m.NodeID != 1 {
				t.Fatalf("fatal on %x", b)
			}
		}
	})
}

// FuzzLibRequest sends arbitrary payloads under every libcfg request id
// through the IPC server: each gets exactly one response with the id C
// answers that request with, and nothing panics.
func FuzzLibRequest(f *testing.F) {
	fx := newFixture(f, nil)
	c := fx.dial()
	reason, _ := wire.NewCsName("r")
	for _, b := range [][]byte{
		(&wire.CfgReqKillnode{NodeID: 2, Reason: reason}).Append(nil),
		(&wire.CfgReqNodeStatusGet{NodeID: 1, Version: 1}).Append(nil),
		(&wire.CfgReqGetNodeAddrs{NodeID: 3}).Append(nil),
		(&wire.CfgReqTryShutdown{Flags: 2}).Append(nil),
		(&wire.CfgReqReplyToShutdown{Response: 1}).Append(nil),
		(&wire.CfgReqTrackStart{}).Append(nil),
	} {
		f.Add(byte(binary.LittleEndian.Uint32(b)), b[16:])
	}
	resID := map[int32]int32{0: 0, 1: 1, 2: 8, 3: 9, 4: 13, 5: 11, 6: 12, 7: 14, 8: 15, 9: 16, 10: 2, 11: 3}
	f.Fuzz(func(t *testing.T, id byte, payload []byte) {
		if len(payload) > 4096 {
			return
		}
		req := int32(id % 12)
		msg := wire.RequestHeader{ID: req, Size: int32(16 + len(payload))}.Append(nil)
		msg = append(msg, payload...)
		res, err := c.c.Request(msg, 10*time.Second)
		if err != nil {
			t.Fatalf("request %d: %v", req, err)
		}
		h, err := wire.DecodeResponseHeader(res)
		if err != nil || h.ID != resID[req] || int(h.Size) != len(res) {
			t.Fatalf("request %d: response %+v (%d bytes) %v", req, h, len(res), err)
		}
	})
}

// FuzzReloadFile reloads arbitrary corosync.conf text over a running
// 3-node configuration: nothing may panic, the answer is CS_OK or
// CS_ERR_INVALID_PARAM, and a node of the running nodelist never ends up
// at another address in the live map.
func FuzzReloadFile(f *testing.F) {
	f.Add([]byte(baseConf))
	f.Add([]byte(strings.Replace(baseConf, "10.0.0.3", "10.0.0.33", 1)))
	f.Add([]byte(strings.Replace(baseConf, "nodeid: 3", "nodeid: 4", 1)))
	f.Add([]byte(strings.Replace(baseConf, "token: 1000", "token: 1000\n\tconsensus: 10", 1)))
	f.Add([]byte(baseConf + "totem {\n"))
	opts := confparse.Options{
		Hostname:   func() (string, error) { return "node1", nil },
		LocalAddrs: func() ([]net.IP, error) { return []net.IP{net.IPv4(10, 0, 0, 1)}, nil },
		StateDirOK: func(string) error { return nil },
		// Nothing may leave the process: no DNS, no files.
		Resolve:       func(string) ([]net.IP, error) { return nil, errors.New("no resolver") },
		ReverseLookup: func(net.IP) (string, error) { return "", nil },
		LookupUser:    func(string) (uint32, error) { return 0, errors.New("no users") },
		LookupGroup:   func(string) (uint32, error) { return 0, errors.New("no groups") },
		ReadFile:      func(string) ([]byte, error) { return nil, errors.New("no files") },
		OpenLogFile:   func(string) (int, error) { return 13, errors.New("no log files") },
	}
	start, err := confparse.LoadBytes("corosync.conf", []byte(baseConf), opts)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		m := icmap.New()
		for _, k := range start.Keys {
			if err := m.Set(k.Name, k.Value); err != nil {
				t.Fatal(err)
			}
		}
		e := New(Config{
			Map: m, ConfigPath: "corosync.conf", Options: opts,
			Node:     &nullNode{UDPNode{NodeID: 1, Members: func() []uint32 { return nil }, Nodes: testNodes}},
			ReadFile: func(string) ([]byte, error) { return text, nil },
		})
		res, _ := e.reload(1)
		if res != wire.CsOK && res != wire.CsErrInvalidParam {
			t.Fatalf("reload answered %v", res)
		}
		for _, ent := range m.Snapshot("nodelist.node.") {
			if !strings.HasSuffix(ent.Key, ".ring0_addr") {
				continue
			}
			pos := strings.TrimSuffix(strings.TrimPrefix(ent.Key, "nodelist.node."), ".ring0_addr")
			id, err := m.GetUint32("nodelist.node." + pos + ".nodeid")
			if err != nil || id < 1 || id > 3 {
				continue
			}
			if want := fmt.Sprintf("10.0.0.%d", id); ent.Value != want {
				t.Fatalf("node %d moved to %v by reload (%v)", id, ent.Value, res)
			}
		}
	})
}
