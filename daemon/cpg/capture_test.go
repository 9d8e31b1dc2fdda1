package cpg

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// findExec returns the first exec message of the capture with this header
// id and size (the messages are small enough to sit whole in one packet).
func findExec(t *testing.T, capture []byte, id int32, size int) []byte {
	t.Helper()
	pat := binary.LittleEndian.AppendUint32(nil, uint32(id))
	for i := 0; ; i++ {
		j := bytes.Index(capture[i:], pat)
		if j < 0 {
			t.Fatalf("no exec message %#x of %d bytes in the capture", id, size)
		}
		i += j
		if i+size <= len(capture) && int(binary.LittleEndian.Uint32(capture[i+8:])) == size {
			return capture[i : i+size]
		}
	}
}

// The exec messages C corosync sent in wire/testdata/udpu3.pcap (a libcpg
// client, pid 0x3e5e on node 1, joining "wsrgrp", sending "HELLO-WSR",
// leaving) and the ones our engine sends for the same calls are the same
// bytes; only mar_message_source_t.conn, a pointer in C, differs.
func TestExecMessagesMatchCapture(t *testing.T) {
	capture, err := os.ReadFile(filepath.Join("..", "..", "wire", "testdata", "udpu3.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cJoin := findExec(t, capture, wire.ServiceID(wire.CpgService, wire.MessageReqExecCpgProcjoin), wire.CpgProcjoinSize)
	cJoinlist := findExec(t, capture, wire.ServiceID(wire.CpgService, wire.MessageReqExecCpgJoinlist), 24+wire.CpgJoinlistEntrySize)
	cMcast := findExec(t, capture, wire.ServiceID(wire.CpgService, wire.MessageReqExecCpgMcast), wire.CpgMcastHeaderSize+9)
	cLeave := findExec(t, capture, wire.ServiceID(wire.CpgService, wire.MessageReqExecCpgProcleave), wire.CpgProcjoinSize)

	cDown := findExec(t, capture, wire.ServiceID(wire.CpgService, wire.MessageReqExecCpgDownlist), wire.CpgDownlistSize)

	s := newSim(t, 1)
	n := s.nodes[1]
	// A fresh daemon's first DOWNLIST: no old members, nobody left. At
	// 1568 bytes it does not fit one totempg packet; what follows byte
	// 1398 in the capture is the next frame's headers, so only the part in
	// the first packet is compared.
	if !bytes.Equal(n.sent[0][:1398], cDown[:1398]) {
		t.Fatalf("first DOWNLIST\n ours % x\n C    % x", n.sent[0][:40], cDown[:40])
	}
	a := s.client(1, "a")
	pid := uint32(0x3e5e)
	sent := func() []byte { return n.sent[len(n.sent)-1] }

	if e := s.req(1, a, joinReq("wsrgrp", pid)); e != wire.CsOK {
		t.Fatal(e)
	}
	if !bytes.Equal(sent(), cJoin) {
		t.Fatalf("PROCJOIN\n ours % x\n C    % x", sent(), cJoin)
	}
	s.deliver()
	s.nodes[1].e.Init([]uint32{1}, []uint32{1}, wire.RingID{Rep: 1, Seq: 8})
	s.nodes[1].e.Process()
	if !bytes.Equal(sent(), cJoinlist) {
		t.Fatalf("JOINLIST\n ours % x\n C    % x", sent(), cJoinlist)
	}
	s.nodes[1].e.Abort()
	s.req(1, a, mcastReq("HELLO-WSR"))
	ours := bytes.Clone(sent())
	copy(ours[176:184], cMcast[176:184])
	if !bytes.Equal(ours, cMcast) {
		t.Fatalf("MCAST\n ours % x\n C    % x", ours, cMcast)
	}
	if e := s.req(1, a, leaveReq("wsrgrp", pid)); e != wire.CsOK {
		t.Fatal(e)
	}
	if !bytes.Equal(sent(), cLeave) {
		t.Fatalf("PROCLEAVE\n ours % x\n C    % x", sent(), cLeave)
	}
}
