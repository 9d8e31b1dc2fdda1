package wire

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// The sizes are sizeof() of the ipc_cfg.h structs on x86_64, which is what
// libcfg sends and expects (checked against Debian's libcfg by the interop
// cfgtool test).
func TestCfgIPCSizes(t *testing.T) {
	reason, _ := NewCsName("Killed by corosync-cfgtool")
	for _, c := range []struct {
		name string
		b    []byte
		want int
	}{
		{"killnode", (&CfgReqKillnode{NodeID: 2, Reason: reason}).Append(nil), CfgReqKillnodeSize},
		{"tryshutdown", (&CfgReqTryShutdown{Flags: 1}).Append(nil), 24},
		{"replytoshutdown", (&CfgReqReplyToShutdown{Response: 1}).Append(nil), 24},
		{"get_node_addrs", (&CfgReqGetNodeAddrs{NodeID: 1}).Append(nil), 24},
		{"nodestatusget", (&CfgReqNodeStatusGet{NodeID: 1, Version: 1}).Append(nil), 32},
		{"trackstart", (&CfgReqTrackStart{}).Append(nil), 24},
		{"local_get", CfgReqHeaderOnly(MessageReqCfgLocalGet), 16},
		{"res local_get", (&CfgResLocalGet{Error: CsOK, NodeID: 3}).Append(nil), 32},
		{"res testshutdown", (&CfgTestShutdown{Error: CsOK}).Append(nil), 32},
		{"res plain", CfgResPlain(MessageResCfgKillnode, CsOK), 24},
		{"res nodestatus v1", (&CfgResNodeStatusGet{Error: CsOK}).Append(nil), 4200},
		{"res nodestatus err", (&CfgResNodeStatusGet{Error: CsErrNotSupported}).Append(nil), 32},
		{"res addrs 2", (&CfgResGetNodeAddrs{Error: CsOK, Family: 2, NumAddrs: 2, Slots: make([][16]byte, 2)}).Append(nil), 64},
	} {
		if len(c.b) != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, len(c.b), c.want)
		}
		if got := int(binary.LittleEndian.Uint32(c.b[8:])); c.name[:3] != "res" && got != c.want {
			t.Errorf("%s: header size %d, want %d", c.name, got, c.want)
		}
	}
	b, err := (&CfgResRingStatusGet{Error: CsOK, Count: 1}).Append(nil)
	if err != nil || len(b) != 10272 {
		t.Errorf("ringstatus: %d bytes, %v", len(b), err)
	}
}

func TestCfgKillnodeLayout(t *testing.T) {
	reason, _ := NewCsName("bye")
	b := (&CfgReqKillnode{NodeID: 7, Reason: reason}).Append(nil)
	// cs_name_t: u16 length at 24, value right after it at 26.
	if binary.LittleEndian.Uint16(b[24:]) != 4 || string(b[26:29]) != "bye" || b[29] != 0 {
		t.Fatalf("reason bytes % x", b[24:32])
	}
	r, err := DecodeCfgReqKillnode(b)
	if err != nil || r.NodeID != 7 || r.Reason.CString() != "bye" {
		t.Fatalf("decode: %+v %v", r, err)
	}
	m := r.Reason.MarName()
	if m.Length != 4 || string(m.Value[:3]) != "bye" {
		t.Fatalf("mar name %v", m)
	}
	if _, err := NewCsName(string(make([]byte, 256))); err == nil {
		t.Fatal("256-byte reason accepted")
	}
}

func TestCfgNodeStatusRoundTrip(t *testing.T) {
	in := &CfgResNodeStatusGet{Error: CsOK, Status: CfgNodeStatusV1Body{Version: 1, NodeID: 2, Reachable: 1}}
	in.Status.Links[0] = CfgLinkStatusV1{Enabled: 1, Connected: 1, MTU: 1472, SrcIPAddr: "10.0.0.2"}
	in.Status.Links[7] = CfgLinkStatusV1{Enabled: 1, DstIPAddr: "fe80::1"}
	b := in.Append(nil)
	if b[40+4] != 0xc0 || b[40+5] != 0x05 || string(b[48:56]) != "10.0.0.2" {
		t.Fatalf("link 0 at 40: % x", b[40:60])
	}
	out, err := DecodeCfgResNodeStatusGet(b)
	if err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %v\n%+v\n%+v", err, in, out)
	}
}

func TestCfgRequestRejects(t *testing.T) {
	short := RequestHeader{ID: MessageReqCfgKillnode, Size: 24}.Append(nil)
	short = append(short, make([]byte, 8)...)
	if _, err := DecodeCfgReqKillnode(short); err == nil {
		t.Error("short killnode accepted")
	}
	if _, err := DecodeCfgReqTryShutdown((&CfgReqReplyToShutdown{}).Append(nil)); err == nil {
		t.Error("wrong id accepted")
	}
	if _, err := DecodeCfgReqNodeStatusGet([]byte{1, 2, 3}); err == nil {
		t.Error("3 bytes accepted")
	}
	if _, err := DecodeCfgResGetNodeAddrs(ResponseHeader{ID: MessageResCfgGetNodeAddrs, Size: 40}.Append(make([]byte, 0, 40))); err == nil {
		t.Error("size beyond message accepted")
	}
}

// FuzzDecodeCfgIPC feeds every libcfg decoder; whatever decodes must
// re-encode to something that decodes the same.
func FuzzDecodeCfgIPC(f *testing.F) {
	reason, _ := NewCsName("Killed by corosync-cfgtool")
	ns := &CfgResNodeStatusGet{Error: CsOK, Status: CfgNodeStatusV1Body{Version: 1, NodeID: 1}}
	ns.Status.Links[0].SrcIPAddr = "192.168.1.1"
	rs, _ := (&CfgResRingStatusGet{Error: CsOK, Count: 1, Names: [16]string{"0 10.0.0.1"}, Status: [16]string{"OK"}}).Append(nil)
	for _, b := range [][]byte{
		(&CfgReqKillnode{NodeID: 2, Reason: reason}).Append(nil),
		(&CfgReqTryShutdown{Flags: 2}).Append(nil),
		(&CfgReqReplyToShutdown{Response: 1}).Append(nil),
		(&CfgReqGetNodeAddrs{NodeID: 0}).Append(nil),
		(&CfgReqNodeStatusGet{NodeID: 1, Version: 1}).Append(nil),
		(&CfgReqTrackStart{TrackFlags: 0}).Append(nil),
		(&CfgResLocalGet{Error: CsOK, NodeID: 1}).Append(nil),
		(&CfgTestShutdown{Error: CsOK, Flags: 1}).Append(nil),
		(&CfgResGetNodeAddrs{Error: CsOK, Family: 2, NumAddrs: 1, Slots: [][16]byte{{10, 0, 0, 1}}}).Append(nil),
		ns.Append(nil),
		rs,
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := DecodeCfgReqKillnode(b); err == nil {
			if d, err := DecodeCfgReqKillnode(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("killnode re-decode: %v", err)
			}
			_ = r.Reason.MarName().String()
		}
		if r, err := DecodeCfgReqTryShutdown(b); err == nil {
			if d, err := DecodeCfgReqTryShutdown(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("tryshutdown re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgReqReplyToShutdown(b); err == nil {
			if d, err := DecodeCfgReqReplyToShutdown(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("replyto re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgReqGetNodeAddrs(b); err == nil {
			if d, err := DecodeCfgReqGetNodeAddrs(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("get_node_addrs re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgReqNodeStatusGet(b); err == nil {
			if d, err := DecodeCfgReqNodeStatusGet(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("nodestatusget re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgReqTrackStart(b); err == nil {
			if d, err := DecodeCfgReqTrackStart(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("trackstart re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgResLocalGet(b); err == nil {
			if d, err := DecodeCfgResLocalGet(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("local_get re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgTestShutdown(b); err == nil {
			if d, err := DecodeCfgTestShutdown(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("testshutdown re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgResGetNodeAddrs(b); err == nil {
			if d, err := DecodeCfgResGetNodeAddrs(r.Append(nil)); err != nil || !reflect.DeepEqual(d, r) {
				t.Fatalf("node addrs re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgResRingStatusGet(b); err == nil {
			enc, err := r.Append(nil)
			if err != nil {
				t.Fatalf("ringstatus re-encode: %v", err)
			}
			if d, err := DecodeCfgResRingStatusGet(enc); err != nil || *d != *r {
				t.Fatalf("ringstatus re-decode: %v", err)
			}
		}
		if r, err := DecodeCfgResNodeStatusGet(b); err == nil && r.Error == CsOK {
			if d, err := DecodeCfgResNodeStatusGet(r.Append(nil)); err != nil || (len(b) >= CfgResNodeStatusV1Size && *d != *r) {
				t.Fatalf("nodestatus re-decode: %v", err)
			}
		}
	})
}
