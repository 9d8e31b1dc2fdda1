package wire

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

func knetVectorKey() []byte {
	k := make([]byte, 256)
	for i := 0; i < 128; i++ {
		k[i], k[255-i] = byte(i), byte(i)
	}
	return k
}

// Every cipher/hash combination against OpenSSL-made vectors.
func TestKnetCryptoVectors(t *testing.T) {
	f, err := os.Open("testdata/knet_crypto_vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	key := knetVectorKey()
	salt, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	seen := map[KnetCryptoConfig]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		c, ok1 := ParseKnetCipher(fs[0])
		h, ok2 := ParseKnetHash(fs[1])
		if len(fs) != 4 || !ok1 || !ok2 {
			t.Fatalf("bad line %q", line)
		}
		var plain []byte
		if fs[2] != "-" {
			plain, _ = hex.DecodeString(fs[2])
		}
		want, _ := hex.DecodeString(fs[3])
		cfg := KnetCryptoConfig{Cipher: c, Hash: h}
		seen[cfg] = true
		got, err := Seal(cfg, key, plain, bytes.NewReader(salt))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%v/%v seal(%x):\n got %x %v\nwant %x", c, h, plain, got, err, want)
		}
		if n := len(plain) + cfg.Overhead(len(plain)); n != len(want) {
			t.Errorf("%v/%v: Overhead says %d bytes, packet has %d", c, h, n, len(want))
		}
		back, err := Open(cfg, key, want)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("%v/%v open: %x %v", c, h, back, err)
		}
		// any flipped bit is caught: by the HMAC, or by the padding check
		for i := range want {
			bad := bytes.Clone(want)
			bad[i] ^= 0x40
			if out, err := Open(cfg, key, bad); err == nil && h != KnetHashNone {
				t.Fatalf("%v/%v: flipped byte %d accepted: %x", c, h, i, out)
			}
		}
	}
	if len(seen) != 4*6-1 {
		t.Fatalf("vectors cover %d configurations, want 23", len(seen))
	}
}

func TestKnetCryptoErrors(t *testing.T) {
	key := knetVectorKey()
	cfg := KnetCryptoConfig{Cipher: KnetCipherAES256, Hash: KnetHashSHA256}
	if _, err := Seal(cfg, key[:127], []byte("x"), rand.Reader); err == nil {
		t.Error("127-byte key accepted (knet needs 128..4096)")
	}
	if _, err := Seal(KnetCryptoConfig{Cipher: 9}, key, nil, rand.Reader); err == nil {
		t.Error("unknown cipher accepted")
	}
	if _, err := Seal(cfg, key, []byte("x"), bytes.NewReader([]byte{1, 2})); err == nil {
		t.Error("short salt source accepted")
	}
	for _, n := range []int{0, 1, 31, 32, 33, 47, 48} {
		if _, err := Open(cfg, key, make([]byte, n)); !errors.Is(err, ErrKnetDigest) {
			t.Errorf("%d zero bytes: %v", n, err)
		}
	}
	// cipher without hash: garbage fails on length or padding, never panics
	ci := KnetCryptoConfig{Cipher: KnetCipherAES128}
	for _, n := range []int{0, 16, 17, 31, 33} {
		if _, err := Open(ci, key, make([]byte, n)); !errors.Is(err, ErrKnetDecrypt) {
			t.Errorf("cipher-only, %d bytes: %v", n, err)
		}
	}
	// two seals of the same packet differ (random salt) and both open
	p := []byte("totem frame")
	a, _ := Seal(cfg, key, p, rand.Reader)
	b, _ := Seal(cfg, key, p, rand.Reader)
	if bytes.Equal(a, b) {
		t.Error("salt is not random")
	}
	for _, s := range [][]byte{a, b} {
		if out, err := Open(cfg, key, s); err != nil || !bytes.Equal(out, p) {
			t.Errorf("open: %q %v", out, err)
		}
	}
	// no crypto: Seal and Open copy
	if out, err := Seal(KnetCryptoConfig{}, nil, p, nil); err != nil || !bytes.Equal(out, p) {
		t.Errorf("plain seal: %q %v", out, err)
	}
}

func TestKnetCryptoNames(t *testing.T) {
	for _, s := range []string{"none", "aes256", "aes192", "aes128"} {
		if c, ok := ParseKnetCipher(s); !ok || c.String() != s {
			t.Errorf("cipher %q", s)
		}
	}
	for _, s := range []string{"none", "md5", "sha1", "sha256", "sha384", "sha512"} {
		if h, ok := ParseKnetHash(s); !ok || h.String() != s {
			t.Errorf("hash %q", s)
		}
	}
	if _, ok := ParseKnetCipher("aes512"); ok {
		t.Error("aes512 accepted")
	}
	if id, ok := KnetCompressModel("zlib"); !ok || id != KnetCompressZlib {
		t.Error("zlib id")
	}
	if n, ok := KnetCompressName(KnetCompressZstd); !ok || n != "zstd" {
		t.Error("zstd name")
	}
	if _, ok := KnetCompressName(8); ok {
		t.Error("id 8 named")
	}
}
