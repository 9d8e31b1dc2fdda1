package confparse

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

// hermetic is an environment with no system lookups: one local address and
// a tiny hosts table.
func hermetic(local string) Options {
	hosts := map[string][]net.IP{"localhost": {net.ParseIP("127.0.0.1")}}
	return Options{
		Hostname:      func() (string, error) { return "testhost", nil },
		LocalAddrs:    func() ([]net.IP, error) { return []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(local)}, nil },
		Resolve:       func(h string) ([]net.IP, error) { return hosts[h], nil },
		ReverseLookup: func(net.IP) (string, error) { return "", errors.New("none") },
		UIDGIDDir:     "/nonexistent-gcp-uidgid.d",
		LookupUser:    func(string) (uint32, error) { return 0, errors.New("none") },
		LookupGroup:   func(string) (uint32, error) { return 0, errors.New("none") },
		ReadFile:      func(string) ([]byte, error) { return nil, syscall.ENOENT },
		StateDirOK:    func(string) error { return nil },
		OpenLogFile:   func(string) (int, error) { return 0, nil },
	}
}

// collect records the callbacks the walk makes, to test the syntax layer alone.
type collect struct{ ev []string }

func (c *collect) sectionStart(p string, _ *cbState) error { c.ev = append(c.ev, "{"+p); return nil }
func (c *collect) item(p, k, v string, _ cbState) error {
	c.ev = append(c.ev, fmt.Sprintf("%s|%s=%s", p, k, v))
	return nil
}
func (c *collect) sectionEnd(p string, _ *cbState) error { c.ev = append(c.ev, "}"+p); return nil }

func TestSyntax(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // events joined by " ", or "ERR line: msg"
	}{
		{"a {\n b: c\n}\n", "{a a.b|b=c }a"},
		{"a{\nb:c\n}", "{a a.b|b=c }a"},
		{"a: {\n}\n", "{a }a"},                  // colon before '{' is trimmed from the name
		{"a {\n k::v\n}\n", "{a a.k|k=:v }a"},   // only the first colon separates
		{"a {\n k:: v\n}\n", "{a a.k|k=: v }a"}, // the value starts right after the first colon
		{"a {\n k :\tv\n}\n", "{a a.k|k=v }a"},  // blanks around the colon go
		{"  # c\n\t#x\n\n", ""},
		{"k: v # not a comment\n", "k|k=v # not a comment"},
		{"k: v\r\n", "k|k=v"},
		{"k: v \r\n", "k|k=v"},
		{"k: v\r\r\n", "k|k=v\r"}, // only one CR is removed
		{"k:\n", "k|k="},
		{": v\n", ":|:=v"}, // C keeps the first character of a key
		{":v\n", "|=v"},    // ...unless the key part is empty
		{"a {{\n", "ERR 1: Extra characters after opening bracket '{'"},
		{"node { name: x\n", "ERR 1: Extra characters after opening bracket '{'"},
		{"{\n}\n", "ERR 1: Missing section name before opening bracket '{'"},
		{"a {\n} }\n", "ERR 2: Extra characters before or after closing bracket '}'"},
		{"}\n", "ERR 1: Unexpected closing brace"},
		{"a {\n\n#\n", "ERR 3: Missing closing brace"},
		{"a {\nb\n}\n", "ERR 2: Line is not opening or closing section or key value"},
		{"k: a{b\n", "ERR 1: Extra characters after opening bracket '{'"},
		{"k: " + strings.Repeat("x", 507) + "\n", "k|k=" + strings.Repeat("x", 507)},
		{"k: " + strings.Repeat("x", 508) + "\n", "ERR 1: Line too long"},
		{"k: " + strings.Repeat("x", 507), "k|k=" + strings.Repeat("x", 507)}, // no final newline
		{"\x00junk\nk: v\n", "k|k=v"},                                         // NUL first: an empty line
		{"k: v\x00junk\n", "ERR 1: Line too long"},                            // NUL inside
		{strings.Repeat("s", 254) + " {\n}\n", "ERR 1: Start of section makes total cmap path too long"},
		{strings.Repeat("k", 254) + ": v\n", "ERR 1: New key makes total cmap path too long"},
	} {
		c := &collect{}
		err := parseFile("f", []byte(tc.in), c)
		got := strings.Join(c.ev, " ")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: %v", tc.in, err)
			}
			got = fmt.Sprintf("ERR %d: %s", e.Line, e.Msg)
		}
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		s   string
		ok  bool
		val int64
	}{
		{"5", true, 5}, {"+5", true, 5}, {"0004", true, 4}, {" 5", true, 5}, {"\v5", true, 5},
		{"-1", false, 0}, {"4294967295", true, 4294967295}, {"4294967296", false, 0},
		{"", false, 0}, {"5x", false, 0}, {"x", false, 0}, {"99999999999999999999", false, 0},
	} {
		v, ok := safeAtoq(tc.s, 0, 4294967295)
		if ok != tc.ok || (ok && v != tc.val) {
			t.Errorf("safeAtoq(%q) = %d,%v want %d,%v", tc.s, v, ok, tc.val, tc.ok)
		}
	}
	if v, ok := strToULL("-1"); !ok || v != 18446744073709551615 {
		t.Errorf(`strToULL("-1") = %d,%v`, v, ok)
	}
	if _, ok := strToULL("18446744073709551616"); ok {
		t.Error("strToULL overflow accepted")
	}
}

func TestDerivedTimers(t *testing.T) {
	var nodes strings.Builder
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&nodes, "node {\nring0_addr: 10.9.0.%d\nnodeid: %d\n}\n", i, i)
	}
	conf := "totem {\nversion: 2\ntoken: 2000\n}\nnodelist {\n" + nodes.String() + "}\n"
	cfg, err := LoadBytes("x.conf", []byte(conf), hermetic("10.9.0.3"))
	if err != nil {
		t.Fatal(err)
	}
	tt := cfg.Totem()
	// 2000 + 3*650; retransmit = token/4.2; hold = 0.8*retransmit - 10; consensus = 1.2*token
	if tt.Token != 3950 || tt.TokenRetransmit != 940 || tt.Hold != 742 || tt.Consensus != 4740 {
		t.Errorf("timers %d %d %d %d", tt.Token, tt.TokenRetransmit, tt.Hold, tt.Consensus)
	}
	if cfg.NodeID() != 3 || cfg.LocalNodePos() != 2 || cfg.Transport() != "knet" {
		t.Errorf("nodeid %d pos %d transport %s", cfg.NodeID(), cfg.LocalNodePos(), cfg.Transport())
	}
	links := cfg.Links()
	if len(links) != 1 || len(links[0].Members) != 5 || links[0].PingInterval != 987 || links[0].PingTimeout != 1975 {
		t.Errorf("links %+v", links)
	}
	if k, ok := cfg.Get("runtime.config.totem.token"); !ok || k.Value != uint32(3950) {
		t.Errorf("runtime token %v", k)
	}
}

func TestGeneratedNodeID(t *testing.T) {
	conf := "totem {\nversion: 2\ntransport: udpu\nclear_node_high_bit: yes\n}\nnodelist {\nnode {\nring0_addr: 200.1.2.3\n}\n}\n"
	cfg, err := LoadBytes("x.conf", []byte(conf), hermetic("200.1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	if want := uint32(200<<24|1<<16|2<<8|3) & 0x7FFFFFFF; cfg.NodeID() != want {
		t.Errorf("nodeid %#x want %#x", cfg.NodeID(), want)
	}
	if k, ok := cfg.Get("nodelist.node.0.nodeid"); !ok || k.Value != cfg.NodeID() {
		t.Errorf("generated nodeid not stored: %v", k)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("/nonexistent-gcp/x.conf", hermetic("10.9.0.1"))
	var e *Error
	if !errors.As(err, &e) || e.Status != 8 ||
		err.Error() != "Can't read file /nonexistent-gcp/x.conf: No such file or directory" {
		t.Fatalf("got %v", err)
	}
}

func TestStrerror(t *testing.T) {
	for errno, want := range map[syscall.Errno]string{
		syscall.ENOENT: "No such file or directory", syscall.EACCES: "Permission denied",
		syscall.ENOTDIR: "Not a directory",
	} {
		if got := strerror(errno).Error(); got != want {
			t.Errorf("%d: %q want %q", errno, got, want)
		}
	}
}

func TestUIDGIDDirErrorPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(dir+"/uidgid.d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/uidgid.d/bad", []byte("uidgid {\n\tuid: 0\n}\nuid: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := hermetic("10.9.0.1")
	opt.UIDGIDDir = dir + "/uidgid.d"
	_, err := LoadBytes(dir+"/corosync.conf", []byte("totem {\nversion: 2\n}\n"), opt)
	want := "parser error: " + dir + "/uidgid.d/bad:4: uidgid: Only uid and gid are allowed items"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
