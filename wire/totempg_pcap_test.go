package wire

import (
	"encoding/binary"
	"os"
	"testing"
)

// udpFrame is one captured UDP payload with its IPv4 source.
type udpFrame struct {
	src  [4]byte
	sprt uint16
	dprt uint16
	data []byte
}

// readPcapngUDP returns the UDP payloads of an Ethernet/IPv4 pcapng capture.
func readPcapngUDP(t testing.TB, path string) []udpFrame {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []udpFrame
	for off := 0; off+12 <= len(raw); {
		typ := binary.LittleEndian.Uint32(raw[off:])
		blen := int(binary.LittleEndian.Uint32(raw[off+4:]))
		if blen < 12 || off+blen > len(raw) {
			t.Fatalf("%s: bad pcapng block at %d", path, off)
		}
		body := raw[off+8 : off+blen-4]
		off += blen
		if typ != 6 { // enhanced packet block
			continue
		}
		caplen := int(binary.LittleEndian.Uint32(body[12:]))
		pkt := body[20 : 20+caplen]
		if len(pkt) < 14 || binary.BigEndian.Uint16(pkt[12:]) != 0x0800 {
			continue
		}
		ip := pkt[14:]
		ihl := int(ip[0]&0x0f) * 4
		if ip[9] != 17 || binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
			continue // not UDP, or an IP fragment
		}
		tot := int(binary.BigEndian.Uint16(ip[2:]))
		udp := ip[ihl:tot]
		f := udpFrame{sprt: binary.BigEndian.Uint16(udp), dprt: binary.BigEndian.Uint16(udp[2:]), data: udp[8:]}
		copy(f.src[:], ip[12:16])
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no UDP frames", path)
	}
	return out
}

// captureMcastPayloads returns (sender nodeid, totem seq, totempg payload) of
// every non-encapsulated MCAST in a udpu capture.
type capturedMcast struct {
	nodeid  uint32
	seq     uint32
	payload []byte
}

func captureMcasts(t testing.TB, path string) []capturedMcast {
	var out []capturedMcast
	for _, f := range readPcapngUDP(t, path) {
		d := f.data
		if len(d) < McastHeaderSize || binary.LittleEndian.Uint16(d) != SrpMagic || d[3] != byte(SrpMcast) {
			continue
		}
		if d[4] == EncapsulatedMcast {
			d = d[McastHeaderSize:]
		}
		out = append(out, capturedMcast{
			nodeid:  binary.LittleEndian.Uint32(d[5:]),
			seq:     binary.LittleEndian.Uint32(d[17:]),
			payload: d[McastHeaderSize:],
		})
	}
	return out
}
