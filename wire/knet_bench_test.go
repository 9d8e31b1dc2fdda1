package wire

import (
	"crypto/rand"
	"testing"
)

// A full-size data fragment (1446 bytes of totem frame after a 14-byte header).
func benchKnetPacket() []byte { return make([]byte, 14+1446) }

func BenchmarkKnetSealAES256SHA256(b *testing.B) {
	cfg := KnetCryptoConfig{Cipher: KnetCipherAES256, Hash: KnetHashSHA256}
	key, p := knetVectorKey(), benchKnetPacket()
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Seal(cfg, key, p, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKnetOpenAES256SHA256(b *testing.B) {
	cfg := KnetCryptoConfig{Cipher: KnetCipherAES256, Hash: KnetHashSHA256}
	key, p := knetVectorKey(), benchKnetPacket()
	sealed, err := Seal(cfg, key, p, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(cfg, key, sealed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeKnetData(b *testing.B) {
	p := (&KnetData{Header: KnetHeader{Node: 1}, SeqNum: 7, FragNum: 1, Payload: make([]byte, 1446)}).Append(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeKnet(p); err != nil {
			b.Fatal(err)
		}
	}
}
