package wire

import (
	"bytes"
	"testing"
)

func TestConnResponseRoundTrip(t *testing.T) {
	r := ConnResponse{
		Hdr:            ResponseHeader{Error: -11},
		ConnectionType: QBIPCSHM,
		MaxMsgSize:     1 << 20,
		Connection:     7,
		Request:        "/dev/shm/qb-1-2-3-abcdef/qb-request-cmap",
		Response:       "/dev/shm/qb-1-2-3-abcdef/qb-response-cmap",
		Event:          "/dev/shm/qb-1-2-3-abcdef/qb-event-cmap",
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != ConnResponseSize || b[0] != 0xff || b[8] != 0x28 || b[9] != 0x30 || b[24] != 1 || b[30] != 0x10 {
		t.Fatalf("layout: % x", b[:40])
	}
	if !bytes.HasPrefix(b[40+2*QBPathMax:], []byte(r.Event+"\x00")) {
		t.Fatal("event path not at 8232")
	}
	got, err := DecodeConnResponse(b)
	r.Hdr.ID, r.Hdr.Size = QBMsgAuthenticate, ConnResponseSize
	if err != nil || got != r {
		t.Fatalf("round trip: %+v %v", got, err)
	}
}

func TestConnRequest(t *testing.T) {
	// Bytes a libqb 2.0.6 client sends (ipc-spec §1.3).
	want := []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0}
	r := ConnRequest{Hdr: RequestHeader{ID: QBMsgAuthenticate, Size: ConnRequestSize}, MaxMsgSize: 1 << 20}
	if b := r.Append(nil); !bytes.Equal(b, want) {
		t.Fatalf("% x", b)
	}
	got, err := DecodeConnRequest(want)
	if err != nil || got != r {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := DecodeConnRequest(want[:23]); err != ErrShort {
		t.Fatal(err)
	}
	bad := append([]byte{1}, want[1:]...)
	if _, err := DecodeConnRequest(bad); err != ErrBadConnRequest {
		t.Fatal(err)
	}
}

func TestRingRealSize(t *testing.T) {
	// Observed: word_size 0x40400 for max_msg_size 1 MiB (ipc-spec §2.1).
	if n := RingRealSize(1<<20, 4096); n != 1052672 || n/4 != 0x40400 {
		t.Fatal(n)
	}
}

func FuzzDecodeConnRequest(f *testing.F) {
	f.Add(ConnRequest{Hdr: RequestHeader{ID: -1, Size: 24}, MaxMsgSize: 1 << 20}.Append(nil))
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeConnRequest(b)
		if err != nil {
			return
		}
		if r.Hdr.ID != QBMsgAuthenticate {
			t.Fatalf("accepted id %d", r.Hdr.ID)
		}
		if got, _ := DecodeConnRequest(r.Append(nil)); got != r {
			t.Fatalf("re-encode: %+v vs %+v", got, r)
		}
	})
}

func FuzzDecodeConnResponse(f *testing.F) {
	b, _ := ConnResponse{ConnectionType: 1, MaxMsgSize: 1 << 20, Request: "/a", Response: "/b", Event: "/c"}.Marshal()
	f.Add(b)
	f.Add(make([]byte, ConnResponseSize))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeConnResponse(b)
		if err != nil {
			return
		}
		m, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := DecodeConnResponse(m)
		r.Hdr.ID, r.Hdr.Size = QBMsgAuthenticate, ConnResponseSize
		if err != nil || r2 != r {
			t.Fatalf("re-encode: %+v vs %+v (%v)", r2, r, err)
		}
	})
}
