package cmap

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// FuzzHandlers sends arbitrary cmap requests (any id 0..10, any body)
// through a live connection: the engine must answer each one with a
// well-formed response and never take the server down.
func FuzzHandlers(f *testing.F) {
	var k wire.MarName
	k.Length = uint16(copy(k.Value[:], "fuzz.key"))
	for _, m := range [][]byte{
		(&wire.CmapReqSet{Key: k, Type: wire.ValueString, Value: []byte("v")}).Append(nil),
		(&wire.CmapReqGet{Key: k, ValueLen: 8}).Append(nil),
		(&wire.CmapReqTrackAdd{Key: k, TrackType: 15, TrackInstHandle: 1}).Append(nil),
		(&wire.CmapReqIterInit{}).Append(nil),
		(&wire.CmapReqHandle{ID: wire.MessageReqCmapIterNext, Handle: 0xffffffff00000000}).Append(nil),
		(&wire.CmapReqSetCurrentMap{Map: 1}).Append(nil),
		(&wire.CmapReqAdjustInt{Key: k, Step: 3}).Append(nil),
	} {
		f.Add(m)
	}
	fx := newFixture(f, ipc.SHM)
	c, err := ipc.Dial(fx.name, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) < wire.RequestHeaderSize || len(msg) > 64<<10 {
			return
		}
		id := int32(binary.LittleEndian.Uint32(msg) % 11)
		msg = append([]byte(nil), msg...)
		binary.LittleEndian.PutUint32(msg, uint32(id))
		binary.LittleEndian.PutUint32(msg[8:], uint32(len(msg)))
		res, err := c.Request(msg, 10*time.Second)
		if err != nil {
			t.Fatalf("request id %d: %v", id, err)
		}
		h, err := wire.DecodeResponseHeader(res)
		if err != nil || int(h.Size) != len(res) {
			t.Fatalf("response %+v (%d bytes): %v", h, len(res), err)
		}
		wantID := map[int32]int32{9: wire.MessageResCmapSetCurrentMap, 10: 0}
		want, ok := wantID[id]
		if !ok {
			want = id
		}
		if h.ID != want || wire.CsError(h.Error) == 0 {
			t.Fatalf("request id %d: response %+v", id, h)
		}
		// Drain events the request may have caused.
		for {
			if _, err := c.RecvEvent(0); err != nil {
				break
			}
		}
	})
}
