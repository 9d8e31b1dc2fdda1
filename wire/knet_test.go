package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestKnetLayout(t *testing.T) {
	d := &KnetData{Header: KnetHeader{Type: KnetTypeData, Node: 0x0102}, SeqNum: 0x0304, Bcast: 1,
		FragNum: 2, FragSeq: 1, Channel: -1, Payload: []byte{0xAA}}
	want := []byte{1, 0, 1, 2, 0, 0, 3, 4, 0, 0, 1, 2, 1, 0xFF, 0xAA}
	if got := d.Append(nil); !bytes.Equal(got, want) {
		t.Fatalf("data % x", got)
	}
	p := &KnetPing{Header: KnetHeader{Type: KnetTypePing, Node: 2}, Link: 3, SeqNum: 0x0506, Timed: 1}
	p.Time[0], p.Time[15] = 9, 8
	pb := p.Append(nil)
	if len(pb) != KnetPingSize || pb[1] != 0x81 || pb[3] != 2 || pb[6] != 3 || pb[7] != 9 || pb[22] != 8 ||
		pb[23] != 5 || pb[24] != 6 || pb[25] != 1 {
		t.Fatalf("ping % x", pb)
	}
	pong := p.Pong(7).Append(nil)
	if pong[1] != 0x82 || pong[3] != 7 || !bytes.Equal(pong[4:], pb[4:]) {
		t.Fatalf("pong % x", pong)
	}
	probe := &KnetPMTUD{Header: KnetHeader{Type: KnetTypePMTUD, Node: 1}, Link: 0, Size: 1500, Fill: make([]byte, 4)}
	pr := probe.Append(nil)
	if !bytes.Equal(pr[:9], []byte{1, 0x83, 0, 1, 0, 0, 0, 0xdc, 0x05}) || len(pr) != 13 {
		t.Fatalf("pmtud % x", pr)
	}
	if r := probe.Reply(2).Append(nil); !bytes.Equal(r, []byte{1, 0x84, 0, 2, 0, 0, 0, 0xdc, 0x05}) {
		t.Fatalf("pmtud reply % x", r)
	}
	for _, m := range []KnetPacket{d, p, probe} {
		b := m.Append(nil)
		back, err := DecodeKnet(b)
		if err != nil || !bytes.Equal(back.Append(nil), b) {
			t.Fatalf("%T round trip: %v", m, err)
		}
	}
}

func TestKnetDecodeErrors(t *testing.T) {
	ping := (&KnetPing{Header: KnetHeader{Type: KnetTypePing}}).Append(nil)
	for name, c := range map[string]struct {
		b    []byte
		want error
	}{
		"empty":       {nil, ErrShort},
		"5 bytes":     {[]byte{1, 0, 0, 1, 0}, ErrShort},
		"version 2":   {[]byte{2, 0x81, 0, 1, 0, 0}, ErrKnetVersion},
		"type 0x85":   {[]byte{1, 0x85, 0, 1, 0, 0}, ErrKnetType},
		"type 0x01":   {[]byte{1, 0x01, 0, 1, 0, 0}, ErrKnetType},
		"short data":  {[]byte{1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0}, ErrShort},
		"short pmtud": {[]byte{1, 0x83, 0, 1, 0, 0, 0, 1}, ErrShort},
	} {
		if _, err := DecodeKnet(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := DecodeKnet(ping[:25]); err == nil {
		t.Error("25-byte ping accepted")
	}
	if _, err := DecodeKnet(append(ping, 0)); err == nil {
		t.Error("27-byte ping accepted")
	}
}
