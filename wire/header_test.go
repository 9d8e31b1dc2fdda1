package wire

import (
	"bytes"
	"testing"
)

func TestRequestHeaderLayout(t *testing.T) {
	// cmap exec MCAST header as captured: id 0x00000000, size 328.
	h := RequestHeader{ID: ServiceID(5, 0), Size: 32}
	got := h.Append(nil)
	want := []byte{0, 0, 5, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x want % x", got, want)
	}
	back, err := DecodeRequestHeader(got)
	if err != nil || back != h {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	if s, f := SplitServiceID(back.ID); s != 5 || f != 0 {
		t.Fatalf("split: %d %d", s, f)
	}
	if _, err := DecodeRequestHeader(got[:15]); err != ErrShort {
		t.Fatalf("short: %v", err)
	}
}

func TestResponseHeaderLayout(t *testing.T) {
	h := ResponseHeader{ID: 2, Size: 40, Error: 1}
	got := h.Append(nil)
	if len(got) != ResponseHeaderSize || got[0] != 2 || got[8] != 40 || got[16] != 1 {
		t.Fatalf("layout % x", got)
	}
	back, err := DecodeResponseHeader(got)
	if err != nil || back != h {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestValueRoundTrip(t *testing.T) {
	for _, v := range []any{int8(-3), uint8(200), int16(-300), uint16(65000), int32(-7), uint32(7),
		int64(-1 << 40), uint64(1 << 63), float32(1.5), float64(-2.25), "abc", []byte{0, 1, 2}} {
		b, typ, err := EncodeValue(v)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeValue(typ, b)
		if err != nil {
			t.Fatal(err)
		}
		if bb, ok := v.([]byte); ok {
			if !bytes.Equal(bb, back.([]byte)) {
				t.Fatalf("%v -> %v", v, back)
			}
		} else if back != v {
			t.Fatalf("%v (%s) -> %v", v, typ, back)
		}
	}
	if _, err := DecodeValue(ValueUint32, []byte{1}); err == nil {
		t.Fatal("short u32 accepted")
	}
	if s, _, _ := EncodeValue("x"); len(s) != 2 || s[1] != 0 {
		t.Fatalf("string must carry its NUL: % x", s)
	}
}
