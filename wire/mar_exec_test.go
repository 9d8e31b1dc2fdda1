package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func marMustCpgName(t testing.TB, s string) CpgName {
	n, err := NewCpgName(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func marMustMarName(t testing.TB, s string) MarName {
	n, err := NewMarName(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// marSampleExecMessages has one message per exec function with every field set,
// and the exact size C gives each struct (gcc x86-64, wire-spec §6).
func marSampleExecMessages(t testing.TB) []struct {
	m    ExecMessage
	size int
} {
	g := marMustCpgName(t, "wsrgrp")
	src := MessageSource{NodeID: 3, Conn: 0x55e1daaccd70}
	item, err := NewCmapMcastItem("totem.config_version", uint64(7))
	if err != nil {
		t.Fatal(err)
	}
	str, _ := NewCmapMcastItem("a.b", "xyz")
	missing, _ := NewCmapMcastItem("runtime.x", nil)
	dl := &CpgDownlist{OldMembers: 3, LeftNodes: 2}
	dl.NodeIDs[0], dl.NodeIDs[1], dl.NodeIDs[383] = 4, 5, 6
	dlo := &CpgDownlistOld{LeftNodes: 1}
	dlo.NodeIDs[0] = 9
	return []struct {
		m    ExecMessage
		size int
	}{
		{&CmapMcast{Reason: CmapMcastReasonSync, Items: []CmapMcastItem{missing}}, 328},
		{&CmapMcast{Reason: CmapMcastReasonNewConfigVersion, Items: []CmapMcastItem{item}}, 336},
		{&CmapMcast{Items: []CmapMcastItem{item, str, missing}}, 48 + 288 + 288 + 280},
		{&CfgRingreenable{Source: src}, 32},
		{&CfgKillnode{NodeID: 2, Reason: marMustMarName(t, "fenced by 1")}, 288},
		{&CfgShutdown{}, 16},
		{&CfgReloadConfig{Source: src}, 32},
		{&CfgCryptoReconfig{Phase: CryptoReconfigPhaseCleanup}, 24},
		{&CpgProcjoin{Group: g, PID: 0x3e5e, Reason: CpgReasonJoin}, 168},
		{&CpgProcleave{Group: g, PID: 0x3e5e, Reason: CpgReasonLeave}, 168},
		{&CpgJoinlist{}, 24},
		{&CpgJoinlist{Entries: []CpgJoinlistEntry{{1, g}, {2, marMustCpgName(t, "other")}}}, 24 + 288},
		{&CpgMcast{Group: g, PID: 1, Source: src, Message: []byte("HELLO-WSR")}, 193},
		{&CpgDownlistOld{}, 1560},
		{dlo, 1560},
		{dl, 1568},
		{&CpgPartialMcast{Group: g, MsgLen: 100, PID: 1, Type: CpgPartialFirst, Source: src, Data: []byte("abc")}, 203},
		{&PloadStart{MsgCount: 10, MsgSize: 300}, 24},
		{&PloadMcast{Filler: make([]byte, 284)}, 300},
		{&VotequorumNodeinfo{NodeID: 1, Votes: 1, ExpectedVotes: 2, Flags: NodeFlagsFirst}, 32},
		{&VotequorumReconfigure{NodeID: 2, Value: 3, Param: VotequorumReconfigParamNodeVotes}, 32},
		{&VotequorumQdeviceReg{Operation: VotequorumQdeviceOperationRegister, Name: "Qdevice"}, 280},
		{&VotequorumQdeviceReconfigure{OldName: "Qdevice", NewName: "Qnet"}, 528},
	}
}

func TestExecRoundTrip(t *testing.T) {
	fns := map[int32]bool{}
	for _, c := range marSampleExecMessages(t) {
		b, err := EncodeExec(c.m)
		if err != nil {
			t.Fatalf("%T: %v", c.m, err)
		}
		if len(b) != c.size {
			t.Errorf("%T: %d bytes, C sends %d", c.m, len(b), c.size)
		}
		h, _ := DecodeRequestHeader(b)
		if h.ID != c.m.ExecID() || int(h.Size) != len(b) {
			t.Errorf("%T: header %+v for %d bytes", c.m, h, len(b))
		}
		fns[h.ID] = true
		back, err := DecodeExec(b)
		if err != nil {
			t.Fatalf("%T: decode: %v", c.m, err)
		}
		if !reflect.DeepEqual(back, c.m) {
			t.Errorf("%T: round trip\n got %+v\nwant %+v", c.m, back, c.m)
		}
		again, _ := back.Append(nil)
		if !bytes.Equal(again, b) {
			t.Errorf("%T: re-encode differs", c.m)
		}
		// every proper prefix that cuts into what C reads is rejected, never a panic
		for n := 0; n < len(b); n++ {
			if _, err := DecodeExec(b[:n]); err == nil && n < marMinExecLen(c.m) {
				t.Errorf("%T: %d of %d bytes accepted", c.m, n, len(b))
			}
		}
	}
	// 1 cmap + 5 cfg + 7 cpg + 2 pload + 4 votequorum
	if len(fns) != 19 {
		t.Errorf("%d distinct exec functions covered, want 19", len(fns))
	}
}

// marMinExecLen is how much of an encoded sample the decoder must insist on.
func marMinExecLen(m ExecMessage) int {
	switch m := m.(type) {
	case *CmapMcast:
		return m.Size() - (marAlign8(len(m.Items[len(m.Items)-1].Value)) - len(m.Items[len(m.Items)-1].Value))
	case *CpgJoinlist:
		return 24 + 144*len(m.Entries)
	case *CpgMcast:
		return 184 + len(m.Message)
	case *CpgPartialMcast:
		return 200 + len(m.Data)
	case *CpgDownlistOld, *CfgShutdown, *PloadMcast:
		return 16
	case *VotequorumReconfigure:
		return 25
	case *VotequorumQdeviceReg:
		return 275
	case *VotequorumQdeviceReconfigure:
		return 526
	case *CfgCryptoReconfig:
		return 20
	}
	b, _ := m.Append(nil)
	return len(b)
}

func TestExecUnknown(t *testing.T) {
	for _, id := range []int32{ServiceID(CmapService, 1), ServiceID(CfgService, 5), ServiceID(CpgService, 7),
		ServiceID(QuorumService, 0), ServiceID(PloadService, 2), ServiceID(VotequorumService, 4),
		ServiceID(MonService, 0), ServiceID(WdService, 0), ServiceID(64, 0)} {
		b := RequestHeader{ID: id, Size: 16}.Append(nil)
		b = append(b, make([]byte, 2000)...)
		if _, err := DecodeExec(b); !errors.Is(err, ErrUnknownExec) {
			t.Errorf("id %#x: %v", id, err)
		}
	}
	if ServiceName(VotequorumService) != "corosync_votequorum" || ServiceName(9) != "service(9)" {
		t.Error("service names")
	}
}
