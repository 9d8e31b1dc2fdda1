package pcap

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// Frame counts and the first frame as tshark shows them (a JOIN, sent from
// the ephemeral per-member socket)
// (tshark -r X -T fields -e ip.src -e udp.srcport -e ip.dst -e udp.length).
func TestCaptures(t *testing.T) {
	for _, c := range []struct {
		file  string
		count int
	}{{"knet.pcap", 270}, {"knetc.pcap", 210}, {"udpu.pcap", 242}, {"udpu2.pcap", 170}, {"udpu3.pcap", 535}} {
		ds, err := ReadFile("../../wire/testdata/" + c.file)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if len(ds) != c.count {
			t.Errorf("%s: %d datagrams, tshark sees %d", c.file, len(ds), c.count)
		}
		for _, d := range ds {
			if !d.Src.Addr().Is4() || d.Time.Year() < 2020 || len(d.Payload) == 0 {
				t.Fatalf("%s frame %d: %+v", c.file, d.Frame, d)
			}
		}
	}
	ds, _ := ReadFile("../../wire/testdata/udpu.pcap")
	if ds[0].Src != netip.MustParseAddrPort("10.250.77.1:47266") || ds[0].Dst != netip.MustParseAddrPort("10.250.77.2:5405") {
		t.Errorf("udpu frame 1: %v -> %v", ds[0].Src, ds[0].Dst)
	}
}

func ipv6UDP(payload []byte) []byte {
	ip := make([]byte, 40)
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], uint16(8+len(payload)))
	ip[6] = 17
	ip[23], ip[39] = 1, 2
	udp := binary.BigEndian.AppendUint16(nil, 5405)
	udp = binary.BigEndian.AppendUint16(udp, 5406)
	udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(payload)))
	udp = append(udp, 0, 0)
	return append(append(ip, udp...), payload...)
}

func TestClassicSLLIPv6(t *testing.T) {
	le := binary.LittleEndian
	f := le.AppendUint32(nil, 0xA1B2C3D4)
	f = le.AppendUint16(f, 2)
	f = le.AppendUint16(f, 4)
	f = append(f, make([]byte, 12)...)
	f = le.AppendUint32(f, linkSLL)
	sll := make([]byte, 16)
	binary.BigEndian.PutUint16(sll[14:], 0x86DD)
	pkt := append(sll, ipv6UDP([]byte("hi"))...)
	f = le.AppendUint32(f, 1700000000)
	f = le.AppendUint32(f, 5)
	f = le.AppendUint32(f, uint32(len(pkt)))
	f = le.AppendUint32(f, uint32(len(pkt)))
	f = append(f, pkt...)
	ds, err := Read(f)
	if err != nil || len(ds) != 1 {
		t.Fatalf("%v %v", ds, err)
	}
	d := ds[0]
	if string(d.Payload) != "hi" || d.Src != netip.MustParseAddrPort("[::1]:5405") || d.Dst.Port() != 5406 || d.Time.UnixMicro() != 1700000000000005 {
		t.Fatalf("%+v", d)
	}
	// a record that claims more bytes than the file holds is an error, not a short read
	if _, err := Read(f[:len(f)-1]); err == nil {
		t.Fatal("truncated file accepted")
	}
}
