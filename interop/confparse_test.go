//go:build interop

package interop

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfparseGoldensAreCurrent re-runs Debian's `corosync -t` on every
// corpus file (confparse/testdata/mkgolden.sh without the daemon runs) and
// checks that the committed goldens' status, error and warning lines are
// what the installed binary prints today. confparse's unit tests compare
// Load with those goldens; this closes the loop to the real program.
func TestConfparseGoldensAreCurrent(t *testing.T) {
	if _, err := exec.LookPath("corosync"); err != nil {
		t.Fatalf("Debian corosync is required: %v", err)
	}
	root, err := filepath.Abs("../confparse/testdata")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(root, "mkgolden.sh"))
	cmd.Env = append(os.Environ(), "MKGOLDEN_OUT="+out, "MKGOLDEN_NODAEMON=1")
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkgolden.sh: %v\n%s", err, b)
	}
	t.Logf("corosync -t over the corpus took %v", time.Since(start).Round(time.Millisecond))

	confs, _ := filepath.Glob(filepath.Join(root, "corpus", "*.conf"))
	if len(confs) < 40 {
		t.Fatalf("only %d corpus files", len(confs))
	}
	for _, c := range confs {
		name := strings.TrimSuffix(filepath.Base(c), ".conf")
		fresh := headerLines(t, filepath.Join(out, name+".txt"))
		committed := headerLines(t, filepath.Join(root, "golden", name+".txt"))
		if strings.Join(fresh, "\n") != strings.Join(committed, "\n") {
			t.Errorf("%s: corosync -t now prints\n%s\ncommitted golden has\n%s", name,
				strings.Join(fresh, "\n"), strings.Join(committed, "\n"))
		}
	}
}

// headerLines are a golden's status/error/warning lines (not the cmap dump).
func headerLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "status: ") || strings.HasPrefix(l, "error: ") || strings.HasPrefix(l, "warning: ") {
			out = append(out, l)
		}
	}
	return out
}
