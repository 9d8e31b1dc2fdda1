package pcap

import (
	"os"
	"testing"
)

// FuzzRead: any byte string is either parsed or rejected, never a panic, and
// every datagram returned lies within the input.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"knet.pcap", "udpu.pcap"} {
		b, err := os.ReadFile("../../wire/testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := Read(b)
		if err != nil {
			return
		}
		for _, d := range ds {
			if len(d.Payload) > len(b) {
				t.Fatalf("payload of %d bytes from a %d-byte file", len(d.Payload), len(b))
			}
		}
	})
}
