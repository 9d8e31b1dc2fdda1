package harness

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func nodes3() []Node {
	var ns []Node
	for i := 1; i <= 3; i++ {
		ns = append(ns, Node{Name: "node" + string(rune('0'+i)), NodeID: i, Addr: netip.AddrFrom4([4]byte{192, 168, 7, byte(i)})})
	}
	return ns
}

// The golden files are also fed to C corosync's own parser (`corosync -t`)
// by the interop test TestGeneratedConfigsAcceptedByC.
func TestGenerateGolden(t *testing.T) {
	cases := map[string]Config{
		"udpu-default": {},
		"knet-crypto-timers": {Transport: KNET, Crypto: true, Token: 1000, TokenCoefficient: 650, Consensus: 1200,
			Join: 60, Merge: 250, FailRecvConst: 2500, MaxMessages: 20, WindowSize: 60, Debug: true,
			ClusterName: "gi", Quorum: Quorum{ExpectedVotes: 3, WaitForAll: true, LastManStanding: true,
				LastManStandingWindow: 10000, AutoTieBreaker: true}},
		"udp-wait-for-all": {Transport: UDP, Quorum: Quorum{WaitForAll: true}, TotemExtra: []string{"send_join: 0"}},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Generate(cfg, nodes3())
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "corosync-"+name+".conf")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("Generate differs from %s:\n%s", path, got)
			}
		})
	}
}

func TestGenerateContents(t *testing.T) {
	got, err := Generate(Config{Transport: KNET, Crypto: true, Token: 1234, Quorum: Quorum{TwoNode: true}}, nodes3()[:2])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"transport: knet", "token: 1234", "crypto_cipher: aes256", "crypto_hash: sha256",
		"two_node: 1", "logfile: " + LogFile, "to_syslog: no", "debug: off",
		"\tnode {\n\t\tname: node2\n\t\tnodeid: 2\n\t\tring0_addr: 192.168.7.2\n\t}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	for _, absent := range []string{"consensus:", "wait_for_all", "node3", "node {" + " name"} {
		if strings.Contains(got, absent) {
			t.Errorf("config has %q:\n%s", absent, got)
		}
	}
	def, err := Generate(Config{}, nodes3())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"transport: udpu", "cluster_name: gorosync", "crypto_cipher: none"} {
		if !strings.Contains(def, want) {
			t.Errorf("default config lacks %q", want)
		}
	}
	if strings.Contains(def, "token:") {
		t.Errorf("default config sets a token timeout:\n%s", def)
	}
}

func TestGenerateErrors(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		nodes []Node
		want  string
	}{
		{"no nodes", Config{}, nil, "at least one node"},
		{"crypto udpu", Config{Crypto: true}, nodes3(), "crypto needs transport knet"},
		{"crypto udp", Config{Transport: UDP, Crypto: true}, nodes3(), "crypto needs transport knet"},
		{"bad transport", Config{Transport: "sctp"}, nodes3(), "unknown transport"},
		{"node without addr", Config{}, []Node{{Name: "node1", NodeID: 1}}, "incomplete node"},
		{"node without id", Config{}, []Node{{Name: "node1", Addr: netip.MustParseAddr("10.0.0.1")}}, "incomplete node"},
		{"bad template", Config{Template: "{{.Nope"}, nodes3(), "template"},
		{"template missing field", Config{Template: "{{.Config.Nope}}"}, nodes3(), "template"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Generate(c.cfg, c.nodes)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestGenerateTemplate(t *testing.T) {
	tpl := "cluster {{.Config.ClusterName}} log {{.LogFile}}{{range .Nodes}} {{.Name}}={{.Addr}}{{end}}"
	got, err := Generate(Config{Template: tpl}, nodes3())
	if err != nil {
		t.Fatal(err)
	}
	want := "cluster gorosync log " + LogFile + " node1=192.168.7.1 node2=192.168.7.2 node3=192.168.7.3"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestGoBinary(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOROSYNC_BIN", filepath.Join(dir, "corosync"))
	if _, err := GoBinary(); err == nil || !strings.Contains(err.Error(), "make build") {
		t.Errorf("missing binary: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "corosync"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := GoBinary(); err == nil {
		t.Errorf("non-executable binary accepted")
	}
	if err := os.Chmod(filepath.Join(dir, "corosync"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := GoBinary(); err != nil || p != filepath.Join(dir, "corosync") {
		t.Errorf("GoBinary() = %q, %v", p, err)
	}
}
