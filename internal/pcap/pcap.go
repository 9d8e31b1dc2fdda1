// Package pcap reads the UDP datagrams out of a classic pcap or a pcapng file,
// which is all the golden tests need from the corosync captures. It
// understands Ethernet (with 802.1Q tags) and Linux cooked (SLL, SLL2) link
// layers carrying IPv4 or IPv6, and skips everything else. IP fragments are
// not reassembled: a non-first fragment is skipped and a first fragment whose
// UDP length exceeds the captured bytes is reported as an error, so a test
// can never silently work on a truncated payload.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"
)

// Datagram is one UDP datagram found in a capture.
type Datagram struct {
	Frame   int // 1-based frame number, as Wireshark counts
	Time    time.Time
	Src     netip.AddrPort
	Dst     netip.AddrPort
	Payload []byte
}

// Link-layer types (LINKTYPE_* from tcpdump.org).
const (
	linkEthernet = 1
	linkRaw      = 101
	linkSLL      = 113
	linkSLL2     = 276
)

// ReadFile reads every UDP datagram of a pcap or pcapng file.
func ReadFile(name string) ([]Datagram, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Read(b)
}

// Read parses a whole capture held in memory.
func Read(b []byte) ([]Datagram, error) {
	if len(b) < 4 {
		return nil, errors.New("pcap: file too short")
	}
	switch binary.LittleEndian.Uint32(b) {
	case 0x0A0D0D0A:
		return readNG(b)
	case 0xA1B2C3D4, 0xD4C3B2A1, 0xA1B23C4D, 0x4D3CB2A1:
		return readClassic(b)
	}
	return nil, fmt.Errorf("pcap: unknown magic % x", b[:4])
}

type packet struct {
	link int
	ts   time.Time
	data []byte
}

func collect(pkts []packet) ([]Datagram, error) {
	var out []Datagram
	for i, p := range pkts {
		d, ok, err := udpOf(p.link, p.data)
		if err != nil {
			return nil, fmt.Errorf("pcap: frame %d: %w", i+1, err)
		}
		if ok {
			d.Frame = i + 1
			d.Time = p.ts
			out = append(out, d)
		}
	}
	return out, nil
}

func readClassic(b []byte) ([]Datagram, error) {
	if len(b) < 24 {
		return nil, errors.New("pcap: short global header")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	magic := binary.LittleEndian.Uint32(b)
	if magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1 {
		bo = binary.BigEndian
	}
	nano := magic == 0xA1B23C4D || magic == 0x4D3CB2A1
	link := int(bo.Uint32(b[20:]) & 0x0FFFFFFF)
	var pkts []packet
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return nil, errors.New("pcap: short record header")
		}
		sec, frac := bo.Uint32(b[off:]), bo.Uint32(b[off+4:])
		incl := int(bo.Uint32(b[off+8:]))
		off += 16
		if incl < 0 || incl > len(b)-off {
			return nil, errors.New("pcap: record exceeds file")
		}
		ns := int64(frac) * 1000
		if nano {
			ns = int64(frac)
		}
		pkts = append(pkts, packet{link, time.Unix(int64(sec), ns).UTC(), b[off : off+incl]})
		off += incl
	}
	return collect(pkts)
}

func readNG(b []byte) ([]Datagram, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	type iface struct {
		link  int
		tsDiv uint64 // ticks per second
	}
	var ifaces []iface
	var pkts []packet
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return nil, errors.New("pcapng: short block")
		}
		typ := bo.Uint32(b[off:])
		if typ == 0x0A0D0D0A { // section header: fixes the byte order
			switch binary.LittleEndian.Uint32(b[off+8:]) {
			case 0x1A2B3C4D:
				bo = binary.LittleEndian
			case 0x4D3C2B1A:
				bo = binary.BigEndian
			default:
				return nil, errors.New("pcapng: bad byte-order magic")
			}
			ifaces = nil
		}
		blen := int(bo.Uint32(b[off+4:]))
		if blen < 12 || blen%4 != 0 || blen > len(b)-off {
			return nil, fmt.Errorf("pcapng: bad block length %d", blen)
		}
		body := b[off+8 : off+blen-4]
		switch typ {
		case 1: // interface description
			if len(body) < 8 {
				return nil, errors.New("pcapng: short IDB")
			}
			ifaces = append(ifaces, iface{int(bo.Uint16(body)), ngTsResol(bo, body[8:])})
		case 6: // enhanced packet
			if len(body) < 20 {
				return nil, errors.New("pcapng: short EPB")
			}
			id := int(bo.Uint32(body))
			if id >= len(ifaces) {
				return nil, fmt.Errorf("pcapng: unknown interface %d", id)
			}
			ts := uint64(bo.Uint32(body[4:]))<<32 | uint64(bo.Uint32(body[8:]))
			capLen := int(bo.Uint32(body[12:]))
			if capLen < 0 || capLen > len(body)-20 {
				return nil, errors.New("pcapng: packet exceeds block")
			}
			div := ifaces[id].tsDiv
			t := time.Unix(int64(ts/div), int64((ts%div)*1e9/div)).UTC()
			pkts = append(pkts, packet{ifaces[id].link, t, body[20 : 20+capLen]})
		case 3: // simple packet: no timestamp, interface 0
			if len(body) < 4 || len(ifaces) == 0 {
				return nil, errors.New("pcapng: bad SPB")
			}
			pkts = append(pkts, packet{ifaces[0].link, time.Time{}, body[4:]})
		}
		off += blen
	}
	return collect(pkts)
}

// ngTsResol reads the if_tsresol option; the default is microseconds.
func ngTsResol(bo binary.ByteOrder, opts []byte) uint64 {
	for len(opts) >= 4 {
		code, l := bo.Uint16(opts), int(bo.Uint16(opts[2:]))
		if code == 0 || 4+l > len(opts) {
			break
		}
		if code == 9 && l >= 1 {
			v := opts[4]
			div := uint64(1)
			for i := 0; i < int(v&0x7F) && div < 1e18; i++ {
				if v&0x80 != 0 {
					div *= 2
				} else {
					div *= 10
				}
			}
			return div
		}
		next := 4 + (l+3)&^3
		if next > len(opts) {
			break
		}
		opts = opts[next:]
	}
	return 1e6
}

// udpOf peels the link and IP layers; ok is false for anything that is not
// a (first-fragment) UDP datagram.
func udpOf(link int, p []byte) (d Datagram, ok bool, err error) {
	var etype uint16
	switch link {
	case linkEthernet:
		if len(p) < 14 {
			return d, false, nil
		}
		etype, p = binary.BigEndian.Uint16(p[12:]), p[14:]
		for (etype == 0x8100 || etype == 0x88A8) && len(p) >= 4 {
			etype, p = binary.BigEndian.Uint16(p[2:]), p[4:]
		}
	case linkSLL:
		if len(p) < 16 {
			return d, false, nil
		}
		etype, p = binary.BigEndian.Uint16(p[14:]), p[16:]
	case linkSLL2:
		if len(p) < 20 {
			return d, false, nil
		}
		etype, p = binary.BigEndian.Uint16(p), p[20:]
	case linkRaw:
		if len(p) == 0 {
			return d, false, nil
		}
		etype = map[byte]uint16{4: 0x0800, 6: 0x86DD}[p[0]>>4]
	default:
		return d, false, nil
	}
	var src, dst netip.Addr
	switch etype {
	case 0x0800:
		if len(p) < 20 || p[0]>>4 != 4 {
			return d, false, nil
		}
		ihl := int(p[0]&0x0F) * 4
		total := int(binary.BigEndian.Uint16(p[2:]))
		if ihl < 20 || total < ihl || len(p) < ihl {
			return d, false, errors.New("bad IPv4 header")
		}
		if p[9] != 17 || binary.BigEndian.Uint16(p[6:])&0x1FFF != 0 {
			return d, false, nil // not UDP, or a later fragment
		}
		if total < len(p) {
			p = p[:total] // drop Ethernet padding
		}
		src, dst = netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20]))
		p = p[ihl:]
	case 0x86DD:
		if len(p) < 40 {
			return d, false, nil
		}
		if p[6] != 17 {
			return d, false, nil // extension headers are not followed
		}
		if plen := int(binary.BigEndian.Uint16(p[4:])); 40+plen < len(p) {
			p = p[:40+plen]
		}
		src, dst = netip.AddrFrom16([16]byte(p[8:24])), netip.AddrFrom16([16]byte(p[24:40]))
		p = p[40:]
	default:
		return d, false, nil
	}
	if len(p) < 8 {
		return d, false, errors.New("short UDP header")
	}
	ulen := int(binary.BigEndian.Uint16(p[4:]))
	if ulen < 8 || ulen > len(p) {
		return d, false, fmt.Errorf("UDP length %d but %d bytes captured", ulen, len(p))
	}
	d.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(p))
	d.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(p[2:]))
	d.Payload = p[8:ulen]
	return d, true, nil
}
