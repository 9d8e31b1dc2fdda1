package wire

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/gorosync/gorosync/internal/pcap"
)

// goldenCounts is what one pass over a capture found; every number is
// asserted, so a decoder that silently skipped something fails the test.
type goldenCounts struct {
	frames   map[SrpType]int
	packets  int            // distinct totempg packets (after dedup of retransmits)
	messages map[string]int // complete messages per "group/service.fn"
	execs    []goldenExec   // every exec message, in delivery order
}

type goldenExec struct {
	nodeid uint32
	m      ExecMessage
}

func (c goldenCounts) String() string {
	keys := make([]string, 0, len(c.messages))
	for k := range c.messages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := fmt.Sprintf("frames %v, totempg packets %d, messages:", c.frames, c.packets)
	for _, k := range keys {
		s += fmt.Sprintf(" %s=%d", k, c.messages[k])
	}
	return s
}

// Expected counts, cross-checked against tshark's frame list and an
// independent Python decoder written from wire-spec §1-§6.
var goldenUDPUWant = map[string]goldenCounts{
	"udpu.pcap": {
		frames:  map[SrpType]int{SrpOrfToken: 162, SrpMcast: 30, SrpMergeDetect: 41, SrpMembJoin: 5, SrpCommitToken: 4},
		packets: 30,
		messages: map[string]int{"a/corosync_cmap.0": 4, "a/corosync_cpg.5": 4, "a/corosync_votequorum.0": 10,
			"sync/barrier": 16, "sync/service_build": 4},
	},
	"udpu2.pcap": {
		frames:  map[SrpType]int{SrpOrfToken: 104, SrpMcast: 37, SrpMergeDetect: 18, SrpMembJoin: 7, SrpCommitToken: 4},
		packets: 37,
		messages: map[string]int{"a/corosync_cmap.0": 5, "a/corosync_cpg.5": 5, "a/corosync_votequorum.0": 12,
			"sync/barrier": 20, "sync/service_build": 5},
	},
	"udpu3.pcap": {
		frames: map[SrpType]int{SrpOrfToken: 408, SrpMcast: 69, SrpMergeDetect: 33, SrpMembJoin: 14, SrpCommitToken: 8,
			SrpTokenHoldCancel: 3},
		packets: 69,
		messages: map[string]int{"a/corosync_cmap.0": 9, "a/corosync_cpg.0": 1, "a/corosync_cpg.1": 1,
			"a/corosync_cpg.2": 2, "a/corosync_cpg.3": 1, "a/corosync_cpg.5": 9, "a/corosync_votequorum.0": 21,
			"sync/barrier": 36, "sync/service_build": 9},
	},
}

// goldenMcastKey identifies one totem message: retransmits and the copies
// re-sent encapsulated during recovery carry the same ring id and seq.
type goldenMcastKey struct {
	ring RingID
	seq  uint32
}

// goldenAssembler joins each sender's chunks into messages, as totempg does.
type goldenAssembler struct {
	partial  map[uint32][]byte
	lastFrag map[uint32]uint8
}

func (a *goldenAssembler) add(sender uint32, p *TotempgPacket) ([][]byte, error) {
	var out [][]byte
	for i, c := range p.Chunks {
		if i == 0 && p.Continuation != 0 {
			if len(a.partial[sender]) == 0 || a.lastFrag[sender] != p.Continuation {
				return nil, fmt.Errorf("continuation %d from %d without matching fragment (have %d)", p.Continuation, sender, a.lastFrag[sender])
			}
		} else if len(a.partial[sender]) != 0 {
			return nil, fmt.Errorf("sender %d: new chunk while a fragment is pending", sender)
		}
		msg := append(a.partial[sender], c...)
		if i == len(p.Chunks)-1 && p.Fragmented != 0 {
			a.partial[sender] = msg
			a.lastFrag[sender] = p.Fragmented
			break
		}
		a.partial[sender] = nil
		out = append(out, msg)
	}
	return out, nil
}

// goldenPipeline takes totem frames in capture order down to exec messages,
// checking at every layer that re-encoding gives the received bytes back.
type goldenPipeline struct {
	file string
	c    goldenCounts
	seen map[goldenMcastKey]bool
	asm  *goldenAssembler
}

func newGoldenPipeline(file string) *goldenPipeline {
	return &goldenPipeline{
		file: file,
		c:    goldenCounts{frames: map[SrpType]int{}, messages: map[string]int{}},
		seen: map[goldenMcastKey]bool{},
		asm:  &goldenAssembler{partial: map[uint32][]byte{}, lastFrag: map[uint32]uint8{}},
	}
}

// frame handles one totem frame. udpu: target_nodeid is stack garbage on
// udpu (wire-spec §1.1) and is masked; knet uses it, so it must match.
func (p *goldenPipeline) frame(t *testing.T, frameNo int, payload []byte, udpu bool) {
	t.Helper()
	file := p.file
	m, err := DecodeSrp(payload)
	if err != nil {
		t.Fatalf("%s frame %d: %v", file, frameNo, err)
	}
	h := m.SrpHdr()
	p.c.frames[h.Type]++
	want := payload
	if udpu {
		h.TargetNodeID = 0
		want = goldenMaskTarget(payload)
	}
	if got := m.Append(nil); !bytes.Equal(got, want) {
		t.Fatalf("%s frame %d %s: re-encode differs\n got % x\nwant % x", file, frameNo, h.Type, got, want)
	}
	mc, ok := m.(*Mcast)
	if !ok {
		return
	}
	if mc.Header.Encapsulated == EncapsulatedMcast {
		inner, err := DecodeMcast(mc.Payload)
		if err != nil {
			t.Fatalf("%s frame %d: inner mcast: %v", file, frameNo, err)
		}
		mc = inner
	}
	k := goldenMcastKey{mc.RingID, mc.Seq}
	if p.seen[k] {
		return
	}
	p.seen[k] = true
	p.c.packets++
	pkt, err := DecodeTotempgPacket(mc.Payload, false)
	if err != nil {
		t.Fatalf("%s frame %d: totempg: %v", file, frameNo, err)
	}
	if got := pkt.Append(nil); !bytes.Equal(got, mc.Payload) {
		t.Fatalf("%s frame %d: totempg re-encode differs", file, frameNo)
	}
	msgs, err := p.asm.add(mc.Header.NodeID, &pkt)
	if err != nil {
		t.Fatalf("%s frame %d: %v", file, frameNo, err)
	}
	for _, msg := range msgs {
		key, em, err := goldenCheckGroupMessage(msg)
		if err != nil {
			t.Fatalf("%s frame %d (from node %d): %v\n% x", file, frameNo, mc.Header.NodeID, err, msg)
		}
		p.c.messages[key]++
		if em != nil {
			p.c.execs = append(p.c.execs, goldenExec{mc.Header.NodeID, em})
		}
	}
}

func (p *goldenPipeline) finish(t *testing.T) goldenCounts {
	t.Helper()
	for sender, rest := range p.asm.partial {
		if len(rest) != 0 {
			t.Errorf("%s: node %d left an unfinished fragment of %d bytes", p.file, sender, len(rest))
		}
	}
	return p.c
}

// goldenUDPU runs every frame of a udpu capture through the pipeline.
func goldenUDPU(t *testing.T, file string) goldenCounts {
	t.Helper()
	ds, err := pcap.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	p := newGoldenPipeline(file)
	for _, d := range ds {
		p.frame(t, d.Frame, d.Payload, true)
	}
	return p.finish(t)
}

func goldenMaskTarget(b []byte) []byte {
	c := bytes.Clone(b)
	copy(c[9:13], []byte{0, 0, 0, 0})
	return c
}

// goldenCheckGroupMessage decodes one complete totempg message, dispatches it to the
// sync or exec decoder, re-encodes it and compares. It returns the count key
// and, for group "a", the decoded exec message.
func goldenCheckGroupMessage(msg []byte) (string, ExecMessage, error) {
	gm, err := DecodeGroupMessage(msg, false)
	if err != nil {
		return "", nil, err
	}
	if len(gm.Groups) != 1 {
		return "", nil, fmt.Errorf("%d groups", len(gm.Groups))
	}
	group := string(gm.Groups[0])
	re := AppendGroupHeader(nil, group)
	var key string
	var em ExecMessage
	switch group {
	case "sync":
		id, err := SyncMessageID(gm.Payload)
		if err != nil {
			return "", nil, err
		}
		switch id {
		case SyncMsgBarrier:
			m, err := DecodeSyncBarrier(gm.Payload)
			if err != nil {
				return "", nil, err
			}
			re, key = m.Append(re), "sync/barrier"
		case SyncMsgServiceBuild:
			m, err := DecodeSyncServiceBuild(gm.Payload)
			if err != nil {
				return "", nil, err
			}
			re, key = m.Append(re), "sync/service_build"
		default:
			return "", nil, fmt.Errorf("sync message id %d", id)
		}
	case "a":
		m, err := DecodeExec(gm.Payload)
		if err != nil {
			return "", nil, err
		}
		em = m
		service, fn := SplitServiceID(m.ExecID())
		key = fmt.Sprintf("a/%s.%d", ServiceName(service), fn)
		if re, err = m.Append(re); err != nil {
			return "", nil, err
		}
	default:
		return "", nil, fmt.Errorf("unknown group %q", group)
	}
	if !bytes.Equal(re, msg) {
		return "", nil, fmt.Errorf("%s: re-encode differs\n got % x\nwant % x", key, re, msg)
	}
	return key, em, nil
}

func TestGoldenUDPU(t *testing.T) {
	for _, file := range []string{"udpu.pcap", "udpu2.pcap", "udpu3.pcap"} {
		c := goldenUDPU(t, file)
		t.Logf("%s: %v", file, c)
		if want := goldenUDPUWant[file]; c.String() != want.String() {
			t.Errorf("%s counts\n got %v\nwant %v", file, c, want)
		}
	}
}
