package wire

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func vqReqs() []*VotequorumRequest {
	return []*VotequorumRequest{
		{ID: MessageReqVotequorumGetinfo, NodeID: 3},
		{ID: MessageReqVotequorumSetexpected, ExpectedVotes: 5},
		{ID: MessageReqVotequorumSetvotes, NodeID: 2, Votes: 3},
		{ID: MessageReqVotequorumTrackstart, Context: 0x1122334455667788, TrackFlags: CsTrackChanges},
		{ID: MessageReqVotequorumTrackstop},
		{ID: MessageReqVotequorumQdeviceRegister, Name: "Qdevice"},
		{ID: MessageReqVotequorumQdeviceUnregister, Name: "Qdevice"},
		{ID: MessageReqVotequorumQdeviceUpdate, Name: "old", NewName: "new"},
		{ID: MessageReqVotequorumQdevicePoll, Name: "Qdevice", CastVote: 1, RingID: RingID{Rep: 7, Seq: 0x1c}},
		{ID: MessageReqVotequorumQdeviceMasterWins, Name: "Qdevice", Allow: 1},
	}
}

func TestVotequorumRequestRoundTrip(t *testing.T) {
	sizes := []int{24, 24, 24, 32, 16, 272, 272, 528, 296, 280}
	for i, r := range vqReqs() {
		b, err := r.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != sizes[i] || binary.LittleEndian.Uint32(b[8:]) != uint32(sizes[i]) {
			t.Fatalf("request %d: %d bytes, want %d", r.ID, len(b), sizes[i])
		}
		got, err := DecodeVotequorumRequest(b)
		if err != nil || *got != *r {
			t.Fatalf("round trip %d: %+v %v, want %+v", r.ID, got, err, r)
		}
	}
	// layouts of ipc_votequorum.h: poll's ring id is aligned to 8 at 280
	b, _ := (&VotequorumRequest{ID: MessageReqVotequorumQdevicePoll, Name: "q", CastVote: 1, RingID: RingID{Rep: 7, Seq: 9}}).Append(nil)
	if b[16] != 'q' || binary.LittleEndian.Uint32(b[272:]) != 1 || binary.LittleEndian.Uint32(b[280:]) != 7 || binary.LittleEndian.Uint64(b[288:]) != 9 {
		t.Fatalf("poll layout % x", b[270:])
	}
}

func TestVotequorumRequestErrors(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		RequestHeader{ID: 99, Size: 16}.Append(nil),
		RequestHeader{ID: MessageReqVotequorumGetinfo, Size: 16}.Append(nil),
		append(RequestHeader{ID: MessageReqVotequorumQdeviceRegister, Size: 272}.Append(nil), bytes.Repeat([]byte{'x'}, 256)...),
	} {
		if _, err := DecodeVotequorumRequest(b); err == nil {
			t.Fatalf("% x decoded", b)
		}
	}
	if _, err := (&VotequorumRequest{ID: MessageReqVotequorumQdeviceRegister, Name: string(bytes.Repeat([]byte{'x'}, 255))}).Append(nil); err == nil {
		t.Fatal("255-byte name encoded")
	}
}

func TestVotequorumResponses(t *testing.T) {
	in := &VotequorumInfo{NodeID: 1, State: 1, Votes: 1, ExpectedVotes: 3, HighestExpected: 3, TotalVotes: 2, Quorum: 2, Flags: VotequorumInfoQuorate, QdeviceVotes: 0, QdeviceName: "dev"}
	b := AppendVotequorumGetinfo(nil, CsOK, in)
	if len(b) != VotequorumGetinfoResSize || binary.LittleEndian.Uint32(b[4*2:]) != 320 || b[60] != 'd' || b[63] != 0 {
		t.Fatalf("getinfo % x", b)
	}
	got, e, err := DecodeVotequorumGetinfo(b)
	if err != nil || e != CsOK || *got != *in {
		t.Fatalf("getinfo round trip %+v %v %v", got, e, err)
	}
	q := AppendVotequorumQuorumNotification(nil, true, 5, []VotequorumNodeState{{1, 1}, {2, 2}})
	if len(q) != 64 || binary.LittleEndian.Uint32(q[8:]) != 64 || q[24] != 1 || q[32] != 5 || q[40] != 2 || q[48] != 1 || q[56] != 2 || q[60] != 2 {
		t.Fatalf("quorum notification % x", q)
	}
	n := AppendVotequorumNodelistNotification(nil, 5, RingID{Rep: 1, Seq: 8}, []uint32{1, 2})
	if len(n) != 64 || n[24] != 5 || n[32] != 1 || n[40] != 8 || n[48] != 2 || n[56] != 1 || n[60] != 2 {
		t.Fatalf("nodelist notification % x", n)
	}
	// C fills header.error = CS_OK in events
	for _, ev := range [][]byte{q, n, AppendQuorumNotificationV0(nil, true, 1, nil), AppendQuorumNotificationV1(nil, true, RingID{}, nil),
		AppendQuorumNodelistNotificationV1(nil, RingID{}, nil, nil, nil), AppendVotequorumExpectedvotesNotification(nil, 5, 4)} {
		if binary.LittleEndian.Uint32(ev[16:]) != uint32(CsOK) {
			t.Fatalf("event error field % x", ev[:24])
		}
	}
	x := AppendVotequorumExpectedvotesNotification(nil, 5, 4)
	if len(x) != 40 || x[24] != 5 || x[32] != 4 {
		t.Fatalf("expectedvotes notification % x", x)
	}
}

func FuzzDecodeVotequorumRequest(f *testing.F) {
	for _, r := range vqReqs() {
		b, _ := r.Append(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeVotequorumRequest(b)
		if err != nil {
			return
		}
		// whatever decodes re-encodes to the same meaning
		out, err := r.Append(nil)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", r, err)
		}
		r2, err := DecodeVotequorumRequest(out)
		if err != nil || *r2 != *r {
			t.Fatalf("%+v -> %+v %v", r, r2, err)
		}
	})
}
