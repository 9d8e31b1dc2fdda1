package cmap

import (
	"testing"
	"time"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// Round trips through the IPC server and the cmap engine, as libcmap's
// cmap_get_uint32 / cmap_set_uint32 make them.
func benchRoundTrip(b *testing.B, tr ipc.Transport, msg func(i int) []byte) {
	f := newFixture(b, tr)
	f.m.Set("bench.key", uint32(1))
	c, err := ipc.Dial(f.name, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := c.Request(msg(i), 10*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if h, _ := wire.DecodeResponseHeader(res); h.Error != int32(wire.CsOK) {
			b.Fatalf("error %v", wire.CsError(h.Error))
		}
	}
}

func benchKey() wire.MarName {
	var k wire.MarName
	k.Length = uint16(copy(k.Value[:], "bench.key"))
	return k
}

func BenchmarkGet(b *testing.B) {
	get := (&wire.CmapReqGet{Key: benchKey(), ValueLen: 16}).Append(nil)
	for _, tr := range []ipc.Transport{ipc.SHM, ipc.Socket} {
		b.Run(tr.String(), func(b *testing.B) { benchRoundTrip(b, tr, func(int) []byte { return get }) })
	}
}

func BenchmarkSet(b *testing.B) {
	for _, tr := range []ipc.Transport{ipc.SHM, ipc.Socket} {
		b.Run(tr.String(), func(b *testing.B) {
			req := wire.CmapReqSet{Key: benchKey(), Type: wire.ValueUint32, Value: make([]byte, 4)}
			benchRoundTrip(b, tr, func(i int) []byte {
				req.Value[0], req.Value[1] = byte(i), byte(i>>8) // a change every time: MODIFY path
				return req.Append(nil)
			})
		})
	}
}
