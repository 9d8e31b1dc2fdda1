package icmap

import "strings"

// Key name limits from icmap.h.
const (
	KeyNameMaxLen = 255
	KeyNameMinLen = 3
	// MaxValueLen is icmap.c's ICMAP_MAX_VALUE_LEN: the largest value_len
	// a set accepts.
	MaxValueLen = 16 * 1024
)

func validNameChar(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == '-' || c == '/' || c == ':'
}

// ValidKeyName applies icmap_check_key_name: 3..255 bytes of
// [a-zA-Z0-9._/:-].
func ValidKeyName(name string) bool {
	if len(name) < KeyNameMinLen || len(name) > KeyNameMaxLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !validNameChar(name[i]) {
			return false
		}
	}
	return true
}

// ConvertNameToValidName is icmap_convert_name_to_valid_name: every byte
// that may not appear in a key becomes '_'. The length is not touched.
// C walks the string up to its first NUL; so does this.
func ConvertNameToValidName(name string) string {
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	b := []byte(name)
	for i, c := range b {
		if !validNameChar(c) {
			b[i] = '_'
		}
	}
	return string(b)
}
