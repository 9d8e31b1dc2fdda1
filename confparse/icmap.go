package confparse

import (
	"sort"
	"strings"

	"github.com/gorosync/gorosync/wire"
)

// keyNameMax and keyNameMin are ICMAP_KEYNAME_MAXLEN / _MINLEN.
const (
	keyNameMax = 255
	keyNameMin = 3
)

// icmap is the little of exec/icmap.c that config loading depends on: a set
// validates a new key's name, an existing key is replaced whatever its type,
// and typed gets fail when the stored type differs.
type icmap struct {
	m map[string]Key
	// names is the sorted key list, rebuilt (as a new slice, so callers
	// may keep iterating an old one) after a key is added.
	names []string
	dirty bool
}

func newICMap() *icmap { return &icmap{m: make(map[string]Key)} }

func validKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '/' || c == ':'
}

func validKeyName(name string) bool {
	if len(name) < keyNameMin || len(name) > keyNameMax {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !validKeyChar(name[i]) {
			return false
		}
	}
	return true
}

// set returns the cs_error_t name C reports, or "" on success.
func (c *icmap) set(name string, v any) string {
	t, ok := wire.TypeOf(v)
	if !ok {
		return "CS_ERR_INVALID_PARAM"
	}
	if s, isStr := v.(string); isStr {
		// icmap stores strlen+1 bytes: a value ends at its first NUL.
		if i := strings.IndexByte(s, 0); i >= 0 {
			v = s[:i]
		}
	}
	if _, exists := c.m[name]; !exists && !validKeyName(name) {
		return "CS_ERR_NAME_TOO_LONG"
	}
	if _, exists := c.m[name]; !exists {
		c.dirty = true
	}
	c.m[name] = Key{Name: name, Type: t, Value: v}
	return ""
}

func (c *icmap) has(name string) bool { _, ok := c.m[name]; return ok }

func (c *icmap) getString(name string) (string, bool) {
	k, ok := c.m[name]
	if !ok || k.Type != wire.ValueString {
		return "", false
	}
	return k.Value.(string), true
}

func (c *icmap) getU32(name string) (uint32, bool) {
	k, ok := c.m[name]
	if !ok || k.Type != wire.ValueUint32 {
		return 0, false
	}
	return k.Value.(uint32), true
}

func (c *icmap) getI32(name string) (int32, bool) {
	k, ok := c.m[name]
	if !ok || k.Type != wire.ValueInt32 {
		return 0, false
	}
	return k.Value.(int32), true
}

func (c *icmap) getU16(name string) (uint16, bool) {
	k, ok := c.m[name]
	if !ok || k.Type != wire.ValueUint16 {
		return 0, false
	}
	return k.Value.(uint16), true
}

func (c *icmap) getU8(name string) (uint8, bool) {
	k, ok := c.m[name]
	if !ok || k.Type != wire.ValueUint8 {
		return 0, false
	}
	return k.Value.(uint8), true
}

// keysWithPrefix lists key names in icmap's iteration order (qb_map's trie
// is byte-wise sorted), which several C loops silently depend on.
func (c *icmap) keysWithPrefix(prefix string) []string {
	if c.dirty || c.names == nil {
		names := make([]string, 0, len(c.m))
		for k := range c.m {
			names = append(names, k)
		}
		sort.Strings(names)
		c.names, c.dirty = names, false
	}
	i := sort.SearchStrings(c.names, prefix)
	j := i
	for j < len(c.names) && strings.HasPrefix(c.names[j], prefix) {
		j++
	}
	return c.names[i:j:j]
}

func (c *icmap) sorted() []Key {
	keys := make([]Key, 0, len(c.m))
	for _, k := range c.m {
		keys = append(keys, k)
	}
	sortKeys(keys)
	return keys
}
