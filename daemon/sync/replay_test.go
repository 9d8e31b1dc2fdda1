package sync

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/wire"
)

type nullSRP struct{}

func (nullSRP) Mcast([]byte, totempg.Guarantee) error { return nil }
func (nullSRP) Avail() int                            { return 1000 }

// Replays the rings of a capture through node 1's totempg and sync engine
// in C-compatible announcement mode: on every ring the engine must complete,
// and the sync messages it sends must be byte for byte those C's node 1 sent.
func TestReplayCaptures(t *testing.T) {
	for _, path := range []string{"testdata/udpu2.pcap", "testdata/udpu3.pcap"} {
		t.Run(path, func(t *testing.T) { replay(t, path) })
	}
}

func replay(t *testing.T, path string) {
	ms := readCaptureMcasts(t, path)
	var rings []wire.RingID
	byRing := map[wire.RingID][]capturedMcast{}
	for _, m := range ms {
		if byRing[m.Ring] == nil {
			rings = append(rings, m.Ring)
		}
		byRing[m.Ring] = append(byRing[m.Ring], m)
	}
	sort.Slice(rings, func(a, b int) bool { return rings[a].Seq < rings[b].Seq })

	var events []string
	var sent [][]byte
	var completed []wire.RingID
	var eng *Engine
	eng = New(Config{
		Mcast:     func(m []byte) error { sent = append(sent, m); return nil },
		Completed: func(r wire.RingID) { completed = append(completed, r) },
		Event:     func(e Event) { events = append(events, e.Msg) },
	})
	for _, s := range CompatServices(func(e Event) { events = append(events, e.Msg) }) {
		eng.Register(s)
	}
	// The sync messages every node sent, as node 1's totempg delivers them.
	var delivered []struct {
		from uint32
		msg  []byte
	}
	pg := totempg.New(nullSRP{}, totempg.Config{NetMTU: 1410})
	pg.GroupsInitialize(func(nodeid uint32, msg []byte, _ bool) {
		delivered = append(delivered, struct {
			from uint32
			msg  []byte
		}{nodeid, append([]byte(nil), msg...)})
		eng.Deliver(nodeid, msg)
		for eng.Run() {
		}
	}, nil).Join(wire.GroupSync)

	var prev []uint32
	checked := 0
	for _, r := range rings {
		s := byRing[r]
		sort.Slice(s, func(a, b int) bool { return s[a].Seq < s[b].Seq })
		complete := s[0].Seq == 1 && s[len(s)-1].Seq == uint32(len(s))
		// The members are the nodes that sent a SERVICE_BUILD on this ring.
		var members []uint32
		for _, m := range s {
			p, _ := wire.DecodeTotempgPacket(m.Payload, false)
			for _, c := range p.Chunks {
				g, err := wire.DecodeGroupMessage(c, false)
				if err == nil && g.InGroups(wire.GroupSync) {
					if id, _ := wire.SyncMessageID(g.Payload); id == wire.SyncMsgServiceBuild && !containsID(members, m.NodeID) {
						members = append(members, m.NodeID)
					}
				}
			}
		}
		sort.Slice(members, func(a, b int) bool { return members[a] < members[b] })
		if !containsID(members, 1) {
			continue
		}
		var trans []uint32
		for _, p := range prev {
			if containsID(members, p) {
				trans = append(trans, p)
			}
		}
		var left []uint32
		for _, p := range prev {
			if !containsID(members, p) {
				left = append(left, p)
			}
		}
		sent, delivered, events = nil, nil, nil
		pg.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationTransitional, Members: trans, Left: left, RingID: r})
		eng.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationTransitional, Members: trans, Left: left, RingID: r})
		eng.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationRegular, Members: members, RingID: r})
		prev = members
		doneBefore := len(completed)
		for _, m := range s {
			pg.Deliver(m.NodeID, m.Payload, false)
		}
		if !complete {
			continue
		}
		if len(completed) != doneBefore+1 || completed[len(completed)-1] != r {
			t.Fatalf("ring %v members %v: not completed\n%s", r, members, strings.Join(events, "\n"))
		}
		var c1 [][]byte
		for _, d := range delivered {
			if d.from == 1 {
				c1 = append(c1, d.msg)
			}
		}
		if len(c1) != len(sent) || len(sent) != 5 {
			t.Fatalf("ring %v: sent %d sync messages, C node 1 sent %d", r, len(sent), len(c1))
		}
		for i := range sent {
			if !bytes.Equal(sent[i], c1[i]) {
				t.Fatalf("ring %v message %d:\n got %x\nwant %x", r, i, sent[i], c1[i])
			}
		}
		want := fmt.Sprintf("Sync members[%d]:", len(members))
		if !strings.Contains(strings.Join(events, "\n"), want) {
			t.Fatalf("no %q in\n%s", want, strings.Join(events, "\n"))
		}
		checked++
	}
	if checked < 2 {
		t.Fatalf("only %d rings replayed", checked)
	}
	t.Logf("%d rings replayed; last events:\n%s", checked, strings.Join(events, "\n"))
}

func containsID(l []uint32, n uint32) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}
