package evs

import (
	"strings"
	"testing"
)

func FuzzDecode(f *testing.F) {
	m := Msg{NodeID: 1, PID: 2, Seq: 3, Payload: []byte("payload")}
	f.Add(m.Encode())
	f.Add([]byte("CPGK"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Decode(b)
		if err == nil && h.PayloadGotSize != len(b)-HeaderSize {
			t.Fatalf("payload size %d of %d bytes", h.PayloadGotSize, len(b))
		}
	})
}

func FuzzParseLog(f *testing.F) {
	f.Add("P 1 2\nC 1:2 3:4\nD 1 2 1 2 1 0 0 0 0\nB 3 4 1\nS 1\nE\n", "P 3 4\nC 1:2 3:4\nD 1 2 1 2 1 0 0 0 0\nE\n")
	f.Add("X dispatch: gone\n", "")
	f.Fuzz(func(t *testing.T, s1, s2 string) {
		l1, err1 := ParseLog("a", strings.NewReader(s1))
		l2, err2 := ParseLog("b", strings.NewReader(s2))
		if err1 == nil && err2 == nil {
			Verify([]*Log{l1, l2, l1})
		}
	})
}
