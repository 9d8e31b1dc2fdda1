package wire

import (
	"bytes"
	"crypto/rand"
	"reflect"
	"testing"
)

// Seeds live in testdata/fuzz/FuzzXxx/: one real captured message per exec
// function found in the captures, plus one synthetic message per function.

// FuzzDecodeExec drives every exec decoder through the dispatcher. Whatever
// decodes must encode, and the encoding must decode to the same value (the
// canonical form drops padding, trailing bytes and the header size).
func FuzzDecodeExec(f *testing.F) {
	for _, c := range marSampleExecMessages(f) {
		b, _ := c.m.Append(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeExec(b)
		if err != nil {
			return
		}
		out, err := m.Append(nil)
		if err != nil {
			t.Fatalf("%T decodes but does not encode: %v", m, err)
		}
		m2, err := DecodeExec(out)
		if err != nil {
			t.Fatalf("%T: re-encoded message does not decode: %v", m, err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("%T not stable:\n%+v\n%+v", m, m, m2)
		}
	})
}

// FuzzDecodeKnet: knet decoding keeps every byte, so re-encoding is exact.
func FuzzDecodeKnet(f *testing.F) {
	f.Add([]byte{1, 0x84, 0, 2, 0, 0, 0, 0xdc, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeKnet(b)
		if err != nil {
			return
		}
		if out := p.Append(nil); !bytes.Equal(out, b) {
			t.Fatalf("%T re-encodes differently:\n% x\n% x", p, out, b)
		}
	})
}

// FuzzKnetOpen feeds arbitrary packets to Open under a configuration with
// HMAC (which garbage never passes) and two without (where decryption and
// the padding check see the garbage). What opens must seal back to the input.
func FuzzKnetOpen(f *testing.F) {
	key := knetVectorKey()
	f.Add(make([]byte, 48))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, cfg := range []KnetCryptoConfig{
			{Cipher: KnetCipherAES256, Hash: KnetHashSHA256},
			{Cipher: KnetCipherAES128},
			{Hash: KnetHashMD5},
		} {
			plain, err := Open(cfg, key, b)
			if err != nil {
				continue
			}
			salt := rand.Reader
			if cfg.Cipher != KnetCipherNone {
				salt = bytes.NewReader(b[:KnetSaltSize])
			}
			again, err := Seal(cfg, key, plain, salt)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("%v/%v: open then seal differs (%v)", cfg.Cipher, cfg.Hash, err)
			}
		}
	})
}
