package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
)

// knet packet crypto (libknet crypto_nss.c / crypto_openssl.c, byte-identical):
//
//	[salt 16 B][AES-CBC(packet) with PKCS#7 padding, IV = salt][HMAC(salt‖ciphertext)]
//
// The AES key is the first 16/24/32 bytes of the authkey, the HMAC key the
// whole authkey. Without a cipher there is no salt: [packet][HMAC(packet)].
// Every packet (each data fragment, ping, pong, PMTUd probe and reply) is
// sealed on its own.

// KnetCipher is crypto_cipher.
type KnetCipher uint8

const (
	KnetCipherNone KnetCipher = iota
	KnetCipherAES256
	KnetCipherAES192
	KnetCipherAES128
)

// KnetHash is crypto_hash.
type KnetHash uint8

const (
	KnetHashNone KnetHash = iota
	KnetHashMD5
	KnetHashSHA1
	KnetHashSHA256
	KnetHashSHA384
	KnetHashSHA512
)

const (
	KnetSaltSize  = 16   // SALT_SIZE
	KnetMinKeyLen = 128  // KNET_MIN_KEY_LEN
	KnetMaxKeyLen = 4096 // KNET_MAX_KEY_LEN
	knetMaxPacket = 65536 + 26 + 1024
)

var knetCipherNames = [...]string{"none", "aes256", "aes192", "aes128"}
var knetHashNames = [...]string{"none", "md5", "sha1", "sha256", "sha384", "sha512"}

func (c KnetCipher) String() string {
	if int(c) < len(knetCipherNames) {
		return knetCipherNames[c]
	}
	return fmt.Sprintf("KnetCipher(%d)", uint8(c))
}

func (h KnetHash) String() string {
	if int(h) < len(knetHashNames) {
		return knetHashNames[h]
	}
	return fmt.Sprintf("KnetHash(%d)", uint8(h))
}

// ParseKnetCipher maps totem.crypto_cipher values.
func ParseKnetCipher(s string) (KnetCipher, bool) {
	for i, n := range knetCipherNames {
		if n == s {
			return KnetCipher(i), true
		}
	}
	return 0, false
}

// ParseKnetHash maps totem.crypto_hash values.
func ParseKnetHash(s string) (KnetHash, bool) {
	for i, n := range knetHashNames {
		if n == s {
			return KnetHash(i), true
		}
	}
	return 0, false
}

// KeyLen is the AES key length taken from the front of the authkey.
func (c KnetCipher) KeyLen() int {
	switch c {
	case KnetCipherAES256:
		return 32
	case KnetCipherAES192:
		return 24
	case KnetCipherAES128:
		return 16
	}
	return 0
}

// Size is the HMAC length appended to each packet.
func (h KnetHash) Size() int {
	switch h {
	case KnetHashMD5:
		return md5.Size
	case KnetHashSHA1:
		return sha1.Size
	case KnetHashSHA256:
		return sha256.Size
	case KnetHashSHA384:
		return sha512.Size384
	case KnetHashSHA512:
		return sha512.Size
	}
	return 0
}

func (h KnetHash) new() func() hash.Hash {
	switch h {
	case KnetHashMD5:
		return md5.New
	case KnetHashSHA1:
		return sha1.New
	case KnetHashSHA256:
		return sha256.New
	case KnetHashSHA384:
		return sha512.New384
	case KnetHashSHA512:
		return sha512.New
	}
	return nil
}

// KnetCryptoConfig is one knet crypto configuration (crypto_model nss or
// openssl; they produce the same bytes).
type KnetCryptoConfig struct {
	Cipher KnetCipher
	Hash   KnetHash
}

// Enabled reports whether packets are transformed at all.
func (c KnetCryptoConfig) Enabled() bool { return c.Cipher != KnetCipherNone || c.Hash != KnetHashNone }

// Overhead is the number of bytes Seal adds to a plain packet of n bytes.
func (c KnetCryptoConfig) Overhead(n int) int {
	o := c.Hash.Size()
	if c.Cipher != KnetCipherNone {
		o += KnetSaltSize + aes.BlockSize - n%aes.BlockSize
	}
	return o
}

// Errors from Open: C logs them ("Unable to decrypt packet", "Digest does not
// match") and drops the packet.
var (
	ErrKnetDigest  = errors.New("wire: knet packet digest does not match")
	ErrKnetDecrypt = errors.New("wire: knet packet does not decrypt")
)

func (c KnetCryptoConfig) check(key []byte) error {
	if c.Cipher > KnetCipherAES128 || c.Hash > KnetHashSHA512 {
		return fmt.Errorf("wire: knet crypto %v/%v not supported", c.Cipher, c.Hash)
	}
	if c.Enabled() && (len(key) < KnetMinKeyLen || len(key) > KnetMaxKeyLen) {
		return fmt.Errorf("wire: knet authkey of %d bytes, need %d..%d", len(key), KnetMinKeyLen, KnetMaxKeyLen)
	}
	return nil
}

// Seal wraps one plain knet packet. rand supplies the 16-byte salt (use
// crypto/rand.Reader; tests pass a fixed salt to reproduce captured bytes).
// With crypto disabled it returns a copy of plain.
func Seal(cfg KnetCryptoConfig, key, plain []byte, rand io.Reader) ([]byte, error) {
	if err := cfg.check(key); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(plain)+cfg.Overhead(len(plain)))
	if cfg.Cipher == KnetCipherNone {
		out = append(out, plain...)
	} else {
		block, err := aes.NewCipher(key[:cfg.Cipher.KeyLen()])
		if err != nil {
			return nil, err
		}
		salt := out[:KnetSaltSize]
		if _, err := io.ReadFull(rand, salt); err != nil {
			return nil, fmt.Errorf("wire: knet salt: %w", err)
		}
		pad := aes.BlockSize - len(plain)%aes.BlockSize
		body := out[KnetSaltSize : KnetSaltSize+len(plain)+pad]
		copy(body, plain)
		for i := len(plain); i < len(body); i++ {
			body[i] = byte(pad)
		}
		cipher.NewCBCEncrypter(block, salt).CryptBlocks(body, body)
		out = out[:KnetSaltSize+len(body)]
	}
	if cfg.Hash != KnetHashNone {
		mac := hmac.New(cfg.Hash.new(), key)
		mac.Write(out)
		out = mac.Sum(out)
	}
	return out, nil
}

// Open verifies and decrypts one packet sealed by Seal (or by libknet). The
// HMAC is checked first and in constant time, as knet does; the PKCS#7 padding
// is then checked in full, as NSS's CKM_AES_CBC_PAD does.
func Open(cfg KnetCryptoConfig, key, packet []byte) ([]byte, error) {
	if err := cfg.check(key); err != nil {
		return nil, err
	}
	body := packet
	if cfg.Hash != KnetHashNone {
		n := len(packet) - cfg.Hash.Size()
		if n <= 0 || n > knetMaxPacket {
			return nil, fmt.Errorf("%w: packet of %d bytes", ErrKnetDigest, len(packet))
		}
		mac := hmac.New(cfg.Hash.new(), key)
		mac.Write(packet[:n])
		if !hmac.Equal(mac.Sum(nil), packet[n:]) {
			return nil, ErrKnetDigest
		}
		body = packet[:n]
	}
	if cfg.Cipher == KnetCipherNone {
		return append([]byte(nil), body...), nil
	}
	ct := len(body) - KnetSaltSize
	if ct < aes.BlockSize || ct%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes of ciphertext", ErrKnetDecrypt, max(ct, 0))
	}
	block, err := aes.NewCipher(key[:cfg.Cipher.KeyLen()])
	if err != nil {
		return nil, err
	}
	plain := make([]byte, ct)
	cipher.NewCBCDecrypter(block, body[:KnetSaltSize]).CryptBlocks(plain, body[KnetSaltSize:])
	pad := int(plain[ct-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, fmt.Errorf("%w: bad padding", ErrKnetDecrypt)
	}
	for _, p := range plain[ct-pad:] {
		if int(p) != pad {
			return nil, fmt.Errorf("%w: bad padding", ErrKnetDecrypt)
		}
	}
	return plain[:ct-pad], nil
}
