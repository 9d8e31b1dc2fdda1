package wire

import (
	"bytes"
	"testing"
)

// fuzzSrpRoundTrip checks that whatever decodes re-encodes to a frame that
// decodes to the same thing (the canonical form drops trailing bytes and
// normalises byte order), and that nothing panics.
func fuzzSrpRoundTrip(t *testing.T, b []byte, decode func([]byte) (SrpMessage, error)) {
	m, err := decode(b)
	if err != nil {
		return
	}
	out := m.Append(nil)
	m2, err := DecodeSrp(out)
	if err != nil {
		t.Fatalf("re-encoded frame does not decode: %v\n% x", err, out)
	}
	if again := m2.Append(nil); !bytes.Equal(again, out) {
		t.Fatalf("not canonical:\n% x\n% x", out, again)
	}
}

func addSrpSeeds(f *testing.F, typ SrpType) {
	for _, name := range []string{"udpu", "udpu2", "udpu3"} {
		n := 0
		for _, fr := range loadCapture(f, name) {
			if SrpType(fr.b[3]) == typ && n < 4 {
				f.Add(fr.b)
				n++
			}
		}
	}
}

func FuzzDecodeSrp(f *testing.F) {
	for typ := SrpOrfToken; typ <= SrpTokenHoldCancel; typ++ {
		addSrpSeeds(f, typ)
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzSrpRoundTrip(t, b, DecodeSrp) })
}

func FuzzDecodeOrfToken(f *testing.F) {
	addSrpSeeds(f, SrpOrfToken)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSrpRoundTrip(t, b, func(b []byte) (SrpMessage, error) { return DecodeOrfToken(b) })
	})
}

func FuzzDecodeMcast(f *testing.F) {
	addSrpSeeds(f, SrpMcast)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSrpRoundTrip(t, b, func(b []byte) (SrpMessage, error) { return DecodeMcast(b) })
	})
}

func FuzzDecodeMergeDetect(f *testing.F) {
	addSrpSeeds(f, SrpMergeDetect)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSrpRoundTrip(t, b, func(b []byte) (SrpMessage, error) { return DecodeMergeDetect(b) })
	})
}

func FuzzDecodeMembJoin(f *testing.F) {
	addSrpSeeds(f, SrpMembJoin)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSrpRoundTrip(t, b, func(b []byte) (SrpMessage, error) { return DecodeMembJoin(b) })
	})
}

func FuzzDecodeCommitToken(f *testing.F) {
	addSrpSeeds(f, SrpCommitToken)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSrpRoundTrip(t, b, func(b []byte) (SrpMessage, error) { return DecodeCommitToken(b) })
	})
}

func FuzzDecodeTokenHoldCancel(f *testing.F) {
	addSrpSeeds(f, SrpTokenHoldCancel)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSrpRoundTrip(t, b, func(b []byte) (SrpMessage, error) { return DecodeTokenHoldCancel(b) })
	})
}
