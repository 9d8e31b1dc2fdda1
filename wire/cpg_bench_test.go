package wire

import "testing"

func benchCpgMcast(b *testing.B, size int) *CpgMcast {
	g, _ := NewCpgName("pacemakerd")
	return &CpgMcast{Group: g, PID: 1234, Source: MessageSource{NodeID: 1, Conn: 0x55e1daaccd70}, Message: make([]byte, size)}
}

func BenchmarkCpgMcastEncode(b *testing.B) {
	m := benchCpgMcast(b, 1024)
	buf := make([]byte, 0, m.Size())
	b.SetBytes(int64(m.Size()))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = m.Append(buf[:0])
	}
}

func BenchmarkCpgMcastDecode(b *testing.B) {
	m := benchCpgMcast(b, 1024)
	raw, _ := m.Append(nil)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCpgMcast(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeExecCpgMcast(b *testing.B) {
	raw, _ := benchCpgMcast(b, 1024).Append(nil)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeExec(raw); err != nil {
			b.Fatal(err)
		}
	}
}
