package transport

import "testing"

// Expected values were printed by Debian's corosync 3.1.7 (transport udp, no
// mcastaddr; corosync-cmapctl totem.interface.0.mcastaddr).
func TestDefaultMcastAddr(t *testing.T) {
	for _, c := range []struct {
		name string
		link int
		v6   bool
		want string
	}{
		{"wsrtest", 0, false, "239.192.57.8"},
		{"wsrtest", 0, true, "ff15::39ce"},
		{"a", 0, false, "239.192.0.97"},
		{"ÿÿ", 0, false, "239.192.252.86"}, // bytes ≥ 0x80 count as negative (signed char)
		{"ÿÿ", 0, true, "ff15::fc59"},
		{"corosync-cluster-with-a-very-long-name-0123456789", 0, false, "239.192.143.85"},
		// link numbers add to the id: 0x39ce+1
		{"wsrtest", 1, false, "239.192.57.9"},
	} {
		got, err := DefaultMcastAddr(c.name, c.link, c.v6)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != c.want {
			t.Errorf("%q link %d v6=%v: %s, want %s", c.name, c.link, c.v6, got, c.want)
		}
	}
	if _, err := DefaultMcastAddr("", 0, false); err == nil {
		t.Fatal("empty cluster name accepted")
	}
}
