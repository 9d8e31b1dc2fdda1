//go:build interop

package interop

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestConfparseMutantsAgainstC is a differential test: it derives 150
// configs from the corpus by random (seeded) edits, has Debian's
// `corosync -t` judge each one (mkgolden.sh), and runs confparse's corpus
// comparison on them, so Load must reach C's verdict and message on files
// nobody wrote by hand.
func TestConfparseMutantsAgainstC(t *testing.T) {
	root, err := filepath.Abs("../confparse/testdata")
	if err != nil {
		t.Fatal(err)
	}
	srcs, _ := filepath.Glob(filepath.Join(root, "corpus", "*.conf"))
	var pool []string
	for _, s := range srcs {
		b := filepath.Base(s)
		// syn-* fail on their first line already; quirk-400-nodes has a
		// deliberately different message (memory overrun in C).
		if !strings.HasPrefix(b, "syn-") && b != "quirk-400-nodes.conf" {
			pool = append(pool, s)
		}
	}
	if len(pool) < 40 {
		t.Fatalf("pool of %d files", len(pool))
	}
	dir := t.TempDir()
	if keep := os.Getenv("CONFPARSE_MUTANTS_DIR"); keep != "" {
		dir = keep // keep the mutants for a look after a failure
	}
	corpus, golden := filepath.Join(dir, "corpus"), filepath.Join(dir, "golden")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		t.Fatal(err)
	}
	seed := uint64(3)
	if v, err := strconv.ParseUint(os.Getenv("CONFPARSE_MUTANTS_SEED"), 10, 64); err == nil {
		seed = v // explore further; the default keeps runs reproducible
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	var files []string
	for i := 0; i < 150; i++ {
		src := pool[rng.IntN(len(pool))]
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(corpus, "mut"+string(rune('a'+i/26%26))+string(rune('a'+i%26))+"-"+filepath.Base(src))
		if err := os.WriteFile(name, []byte(mutate(rng, string(raw))), 0o644); err != nil {
			t.Fatal(err)
		}
		base, nbase := strings.TrimSuffix(src, ".conf"), strings.TrimSuffix(name, ".conf")
		if b, err := os.ReadFile(base + ".authkey"); err == nil {
			os.WriteFile(nbase+".authkey", b, 0o600)
		}
		if _, err := os.Stat(base + ".uidgid.d"); err == nil {
			if out, err := exec.Command("cp", "-r", base+".uidgid.d", nbase+".uidgid.d").CombinedOutput(); err != nil {
				t.Fatalf("cp: %v %s", err, out)
			}
		}
		files = append(files, name)
	}

	gen := exec.Command(filepath.Join(root, "mkgolden.sh"), files...)
	gen.Env = append(os.Environ(), "MKGOLDEN_OUT="+golden, "MKGOLDEN_NODAEMON=1")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("mkgolden.sh: %v\n%s", err, out)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	cmp := exec.Command(goBin, "test", "-count=1", "-run", "TestCorpusAgainstC", "-v", ".")
	cmp.Dir = filepath.Join(root, "..")
	cmp.Env = append(os.Environ(), "CONFPARSE_CORPUS="+corpus, "CONFPARSE_GOLDEN="+golden)
	out, err := cmp.CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "files,") {
			t.Log(strings.TrimSpace(l))
		}
	}
	if err != nil {
		t.Fatalf("confparse disagrees with C on mutants: %v\n%s", err, failures(string(out)))
	}
}

// failures keeps the lines of go test -v output that explain a failure.
func failures(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "=== RUN") && !strings.Contains(l, "--- PASS") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

var mutantValues = map[string][]string{
	"transport": {"udpu", "udp", "knet"}, "token": {"1000", "0", "20", "100000"},
	"consensus": {"100", "50000"}, "join": {"10", "1000"}, "nodeid": {"1", "2", "0", "70000"},
	"two_node": {"0", "1", "2"}, "ip_version": {"ipv4", "ipv6", "ipv6-4", "ipv4-6"},
	"link_mode": {"active", "rr", "passive", "x"}, "crypto_cipher": {"none", "aes128"},
	"crypto_hash": {"none", "sha1"}, "secauth": {"on", "off"}, "knet_pong_count": {"0", "1", "5"},
	"mcastport": {"0", "6000"}, "ttl": {"0", "1", "5"}, "knet_link_priority": {"0", "1", "200"},
	"clear_node_high_bit": {"yes", "no"}, "hold": {"5", "100"}, "debug": {"on", "off", "x"},
	"token_retransmits_before_loss_const": {"0", "1", "30"}, "token_warning": {"101", "50"},
	"ring0_addr": {"10.9.9.9", "fd99::9", "localhost", "unknown.invalid"},
}

var mutantLines = []string{"\ttransport: udpu", "\ttransport: udp", "\tcluster_name: mut",
	"\tinterface {\n\t\tlinknumber: 1\n\t}", "\tip_version: ipv4", "\ttoken: 40", "}", "{", "x {", "\tk: v",
	"\tinterface {\n\t\tbindnetaddr: 10.9.9.0\n\t\tmcastaddr: 239.1.1.1\n\t}", "#", "\tnodeid: 3"}

// mutate applies one to three edits, leaving the "# gcp-" header alone.
func mutate(rng *rand.Rand, text string) string {
	lines := strings.Split(text, "\n")
	body := func() int {
		for tries := 0; tries < 20; tries++ {
			i := rng.IntN(len(lines))
			if !strings.HasPrefix(lines[i], "# gcp-") {
				return i
			}
		}
		return len(lines) - 1
	}
	for n := 1 + rng.IntN(3); n > 0; n-- {
		i := body()
		switch rng.IntN(5) {
		case 0:
			k, _, ok := strings.Cut(lines[i], ":")
			if vs, known := mutantValues[strings.TrimSpace(k)]; ok && known {
				lines[i] = k + ": " + vs[rng.IntN(len(vs))]
			}
		case 1:
			lines = append(lines[:i], lines[i+1:]...)
		case 2:
			lines = append(lines[:i+1], lines[i:]...)
		case 3:
			l := mutantLines[rng.IntN(len(mutantLines))]
			lines = append(lines[:i], append([]string{l}, lines[i:]...)...)
		case 4:
			if strings.Contains(lines[i], "ring0_addr") {
				extra := strings.Replace(lines[i], "ring0_addr", "ring1_addr", 1)
				lines = append(lines[:i+1], append([]string{extra}, lines[i+1:]...)...)
			}
		}
	}
	return strings.Join(lines, "\n")
}
