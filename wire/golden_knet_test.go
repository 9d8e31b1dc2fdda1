package wire

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/gorosync/gorosync/internal/pcap"
)

// goldenKnetDefrag rebuilds user packets from DATA fragments, keyed by sender and
// seq_num as libknet's rx thread does.
type goldenKnetDefrag struct {
	bufs map[[2]uint16][][]byte
}

func (d *goldenKnetDefrag) add(p *KnetData) ([]byte, error) {
	if p.FragNum <= 1 {
		if p.FragSeq != 0 {
			return nil, fmt.Errorf("unfragmented packet with frag_seq %d", p.FragSeq)
		}
		return p.Payload, nil
	}
	if p.FragSeq == 0 || p.FragSeq > p.FragNum {
		return nil, fmt.Errorf("frag_seq %d of %d", p.FragSeq, p.FragNum)
	}
	k := [2]uint16{p.Header.Node, p.SeqNum}
	frags := d.bufs[k]
	if frags == nil {
		frags = make([][]byte, p.FragNum)
		d.bufs[k] = frags
	}
	if len(frags) != int(p.FragNum) || frags[p.FragSeq-1] != nil {
		return nil, fmt.Errorf("node %d seq %d: inconsistent or duplicate fragment", k[0], k[1])
	}
	frags[p.FragSeq-1] = bytes.Clone(p.Payload)
	for i, f := range frags {
		if f == nil {
			return nil, nil
		}
		// every fragment but the last is exactly data_mtu bytes
		if i < len(frags)-1 && len(f) != len(frags[0]) {
			return nil, fmt.Errorf("node %d seq %d: fragment %d has %d bytes, first has %d", k[0], k[1], i+1, len(f), len(frags[0]))
		}
	}
	delete(d.bufs, k)
	return bytes.Join(frags, nil), nil
}

type knetGolden struct {
	types     map[KnetType]int
	fragments int // DATA packets with frag_num > 1
	frameLens map[int]int
}

func (k knetGolden) String() string {
	lens := make([]int, 0, len(k.frameLens))
	for l := range k.frameLens {
		lens = append(lens, l)
	}
	sort.Ints(lens)
	return fmt.Sprintf("types %v, fragments %d, fragment payload sizes %v", k.types, k.fragments, lens)
}

// goldenKnet decodes every frame of a knet capture; with a key it first
// verifies and decrypts, and checks that Seal with the captured salt gives the
// captured bytes. Reassembled DATA goes through the totem pipeline.
func goldenKnet(t *testing.T, file string, cfg KnetCryptoConfig, key []byte) (knetGolden, goldenCounts) {
	t.Helper()
	ds, err := pcap.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	kg := knetGolden{types: map[KnetType]int{}, frameLens: map[int]int{}}
	pipe := newGoldenPipeline(file)
	defrag := &goldenKnetDefrag{bufs: map[[2]uint16][][]byte{}}
	pings := map[string]bool{}  // pings seen, with type/node cleared
	probes := map[string]bool{} // first 9 bytes of PMTUd probes, type/node cleared
	unicast := map[bool]int{}
	lastSeq := map[uint16]uint16{}
	for _, d := range ds {
		plain := d.Payload
		if cfg.Enabled() {
			plain, err = Open(cfg, key, d.Payload)
			if err != nil {
				t.Fatalf("%s frame %d: open: %v", file, d.Frame, err)
			}
			again, err := Seal(cfg, key, plain, bytes.NewReader(d.Payload[:KnetSaltSize]))
			if err != nil || !bytes.Equal(again, d.Payload) {
				t.Fatalf("%s frame %d: re-seal with the captured salt differs (%v)", file, d.Frame, err)
			}
		}
		p, err := DecodeKnet(plain)
		if err != nil {
			t.Fatalf("%s frame %d: %v", file, d.Frame, err)
		}
		if got := p.Append(nil); !bytes.Equal(got, plain) {
			t.Fatalf("%s frame %d: re-encode differs\n got % x\nwant % x", file, d.Frame, got, plain)
		}
		h := p.KnetHdr()
		kg.types[h.Type]++
		if h.Pad1 != 0 || h.Pad2 != 0 {
			t.Errorf("%s frame %d: knet 1.25 sent pads %d %d", file, d.Frame, h.Pad1, h.Pad2)
		}
		switch p := p.(type) {
		case *KnetPing:
			anon := p.Pong(0).Append(nil)
			if p.Header.Type == KnetTypePing {
				pings[string(anon)] = true
			} else if !pings[string(anon)] {
				t.Errorf("%s frame %d: PONG that echoes no captured PING", file, d.Frame)
			}
		case *KnetPMTUD:
			anon := string(p.Reply(0).Append(nil))
			if p.Header.Type == KnetTypePMTUD {
				if int(p.Size) != len(d.Payload)+28 { // IPv4 20 + UDP 8
					t.Errorf("%s frame %d: PMTUd size %d for a %d-byte datagram", file, d.Frame, p.Size, len(d.Payload))
				}
				if bytes.Count(p.Fill, []byte{0}) != len(p.Fill) {
					t.Errorf("%s frame %d: PMTUd fill is not all zeros", file, d.Frame)
				}
				probes[anon] = true
			} else if len(p.Fill) != 0 || !probes[anon] {
				t.Errorf("%s frame %d: PMTUD_REPLY that answers no captured probe", file, d.Frame)
			}
		case *KnetData:
			if p.Compress != KnetCompressNone || p.Channel != 0 {
				t.Errorf("%s frame %d: compress %d channel %d", file, d.Frame, p.Compress, p.Channel)
			}
			// seq_num rises by one per user packet; its fragments share it
			if last, ok := lastSeq[p.Header.Node]; ok && p.SeqNum != last && p.SeqNum != last+1 {
				t.Errorf("%s frame %d: node %d seq_num %d after %d", file, d.Frame, p.Header.Node, p.SeqNum, last)
			}
			lastSeq[p.Header.Node] = p.SeqNum
			if p.FragNum > 1 {
				kg.fragments++
				if p.FragSeq < p.FragNum {
					kg.frameLens[len(p.Payload)]++
				}
			}
			frame, err := defrag.add(p)
			if err != nil {
				t.Fatalf("%s frame %d: %v", file, d.Frame, err)
			}
			if frame == nil {
				continue
			}
			pipe.frame(t, d.Frame, frame, false)
			// knet routes on target_nodeid: 0 for broadcast, the peer otherwise.
			sh, _ := PeekSrpHeader(frame)
			if (p.Bcast == 1) != (sh.TargetNodeID == 0) {
				t.Errorf("%s frame %d: bcast %d but target_nodeid %d", file, d.Frame, p.Bcast, sh.TargetNodeID)
			}
			// nodeid N lives at 10.250.77.N in these captures
			if dst := d.Dst.Addr().As4(); sh.TargetNodeID != 0 && sh.TargetNodeID != uint32(dst[3]) {
				t.Errorf("%s frame %d: target_nodeid %d sent to %v", file, d.Frame, sh.TargetNodeID, d.Dst)
			}
			unicast[sh.TargetNodeID != 0]++
			if token := sh.Type == SrpOrfToken || sh.Type == SrpCommitToken; token != (sh.TargetNodeID != 0) {
				t.Errorf("%s frame %d: %s with target_nodeid %d", file, d.Frame, sh.Type, sh.TargetNodeID)
			}
		}
	}
	if unicast[true] == 0 || unicast[false] == 0 {
		t.Errorf("%s: unicast/broadcast totem frames %v; expected both", file, unicast)
	}
	if len(defrag.bufs) != 0 {
		t.Errorf("%s: %d packets left incomplete", file, len(defrag.bufs))
	}
	return kg, pipe.finish(t)
}

// Expected counts; the knet type counts match tshark's view of byte 1 of every
// UDP payload, the fragment sizes wire-spec §3.4 (482 before PMTUd, 1446
// after; 421 and 1397 of plaintext with aes256/sha256).
const (
	knetWant = "types map[DATA:182 PING:43 PONG:41 PMTUD:2 PMTUD_REPLY:2], fragments 8, " +
		"fragment payload sizes [482 1446]"
	knetTotemWant = "frames map[ORF_TOKEN:134 MCAST:10 MEMB_MERGE_DETECT:27 MEMB_JOIN:2 MEMB_COMMIT_TOKEN:4], " +
		"totempg packets 10, messages: a/corosync_cmap.0=2 a/corosync_cpg.5=2 a/corosync_votequorum.0=4 " +
		"sync/barrier=8 sync/service_build=2"
	knetcWant = "types map[DATA:152 PING:28 PONG:26 PMTUD:2 PMTUD_REPLY:2], fragments 10, " +
		"fragment payload sizes [421 1397]"
	knetcTotemWant = "frames map[ORF_TOKEN:114 MCAST:10 MEMB_MERGE_DETECT:16 MEMB_JOIN:2 MEMB_COMMIT_TOKEN:4], " +
		"totempg packets 10, messages: a/corosync_cmap.0=2 a/corosync_cpg.5=2 a/corosync_votequorum.0=4 " +
		"sync/barrier=8 sync/service_build=2"
)

func TestGoldenKnet(t *testing.T) {
	kg, c := goldenKnet(t, "knet.pcap", KnetCryptoConfig{}, nil)
	t.Logf("knet.pcap: %v", kg)
	t.Logf("knet.pcap: %v", c)
	if kg.String() != knetWant || c.String() != knetTotemWant {
		t.Errorf("counts differ from\n%s\n%s", knetWant, knetTotemWant)
	}
}

func TestGoldenKnetCrypto(t *testing.T) {
	key, err := os.ReadFile("testdata/knetc.authkey")
	if err != nil {
		t.Fatal(err)
	}
	cfg := KnetCryptoConfig{Cipher: KnetCipherAES256, Hash: KnetHashSHA256}
	kg, c := goldenKnet(t, "knetc.pcap", cfg, key)
	t.Logf("knetc.pcap: %v", kg)
	t.Logf("knetc.pcap: %v", c)
	if kg.String() != knetcWant || c.String() != knetcTotemWant {
		t.Errorf("counts differ from\n%s\n%s", knetcWant, knetcTotemWant)
	}
	// A wrong key must fail every packet: flip one key byte and try frame 1.
	ds, _ := pcap.ReadFile("testdata/knetc.pcap")
	bad := bytes.Clone(key)
	bad[200] ^= 1
	if _, err := Open(cfg, bad, ds[0].Payload); err != ErrKnetDigest {
		t.Errorf("wrong authkey: %v", err)
	}
	// Cleartext is refused when crypto is configured (RX_DISALLOW_CLEAR_TRAFFIC).
	clear, _ := pcap.ReadFile("testdata/knet.pcap")
	if _, err := Open(cfg, key, clear[0].Payload); err == nil {
		t.Error("cleartext packet accepted")
	}
}
