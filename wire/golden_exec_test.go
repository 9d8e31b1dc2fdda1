package wire

import "testing"

// Field-level checks of exec messages captured from Debian's corosync 3.1.7
// (values as listed in wire-spec §6 and the captures' README).
func TestGoldenExecFields(t *testing.T) {
	c := goldenUDPU(t, "udpu3.pcap")
	var join *CpgProcjoin
	var leave *CpgProcleave
	var mcast *CpgMcast
	var joinlists, nodeinfoFirst, qdeviceInfo, cmapMissing int
	for _, e := range c.execs {
		switch m := e.m.(type) {
		case *CpgProcjoin:
			join = m
		case *CpgProcleave:
			leave = m
		case *CpgMcast:
			mcast = m
		case *CpgJoinlist:
			joinlists++
			if len(m.Entries) != 1 || m.Entries[0].Group.String() != "wsrgrp" || m.Entries[0].PID != 0x3e5e {
				t.Errorf("joinlist %+v", m.Entries)
			}
		case *VotequorumNodeinfo:
			if m.NodeID == VotequorumQdeviceNodeID {
				qdeviceInfo++
				if *m != (VotequorumNodeinfo{}) {
					t.Errorf("qdevice nodeinfo %+v", m)
				}
			} else if m.NodeID != e.nodeid {
				t.Errorf("node %d sent nodeinfo for %d", e.nodeid, m.NodeID)
			}
			if m.Flags&NodeFlagsFirst != 0 {
				nodeinfoFirst++
			}
		case *CmapMcast:
			it, ok := m.Find("totem.config_version")
			if m.Reason != CmapMcastReasonSync || len(m.Items) != 1 || !ok || it.Type != ValueNotExist || m.Size() != 328 {
				t.Errorf("cmap mcast %+v", m)
			} else {
				cmapMissing++
			}
		case *CpgDownlist:
			if m.LeftNodes > 1 {
				t.Errorf("downlist %d left", m.LeftNodes)
			}
		}
	}
	if join == nil || join.Group.String() != "wsrgrp" || join.PID != 0x3e5e || join.Reason != CpgReasonJoin {
		t.Errorf("procjoin %+v", join)
	}
	if leave == nil || leave.Group.String() != "wsrgrp" || leave.PID != 0x3e5e || leave.Reason != CpgReasonLeave {
		t.Errorf("procleave %+v", leave)
	}
	if mcast == nil || string(mcast.Message) != "HELLO-WSR" || mcast.Source.NodeID != 1 || mcast.PID != 0x3e5e {
		t.Errorf("cpg mcast %+v", mcast)
	}
	if joinlists != 2 || qdeviceInfo == 0 || nodeinfoFirst == 0 || cmapMissing != 9 {
		t.Errorf("joinlists %d, qdevice nodeinfos %d, FIRST nodeinfos %d, cmap mcasts %d", joinlists, qdeviceInfo, nodeinfoFirst, cmapMissing)
	}
	t.Logf("cpg mcast source conn = %#x (opaque pointer of the sending daemon)", mcast.Source.Conn)
}
