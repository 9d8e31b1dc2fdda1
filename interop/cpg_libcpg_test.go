//go:build interop

package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestCpgLibcpgTranscriptOnC runs daemon/cpg/testdata/cpgclient.c (Debian's
// libcpg) against Debian's corosync 3.1.7 and checks that its transcript is
// the one daemon/cpg's unit test TestLibcpgC requires of our engine
// (daemon/cpg/testdata/libcpg_transcript.txt). C is the reference: any
// line that differs here means the expected transcript, and so our engine,
// is wrong.
func TestCpgLibcpgTranscriptOnC(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cpgclient")
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libcpg").Output()
	if err != nil {
		t.Fatalf("pkg-config libcpg (libcpg-dev is required): %v", err)
	}
	src := filepath.Join("..", "daemon", "cpg", "testdata", "cpgclient.c")
	args := append([]string{"-O2", "-Wall", "-Werror", "-o", bin, src}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	os.Chmod(filepath.Dir(bin), 0o755)

	c := harness.New(t, 1, harness.Config{ClusterName: "gpcpg"})
	h := c.Host(1)
	h.StartCorosync(harness.C)
	h.WaitCmap(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r, err := h.Run(ctx, bin)
	if err != nil || r.ExitCode != 0 {
		c.DumpLogs()
		t.Fatalf("cpgclient on C corosync: %v\n%s", err, r)
	}
	got := r.Stdout
	t.Logf("libcpg transcript on C corosync:\n%s", got)

	ring := regexp.MustCompile(`(?m)^totem ring=([0-9a-f]+\.[0-9a-f]+) `).FindStringSubmatch(got)
	if ring == nil {
		t.Fatal("no totem confchg in the transcript")
	}
	tmpl, err := os.ReadFile(filepath.Join("..", "daemon", "cpg", "testdata", "libcpg_transcript.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sum := regexp.MustCompile(`len=3145745 sum=([0-9a-f]{8})`).FindStringSubmatch(got)
	if sum == nil {
		t.Fatal("no big message in the transcript")
	}
	want := strings.NewReplacer("{{NODE}}", "1", "{{RING}}", ring[1], "{{SUM}}", sum[1]).Replace(string(tmpl))
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var a, b string
			if i < len(gl) {
				a = gl[i]
			}
			if i < len(wl) {
				b = wl[i]
			}
			if a != b {
				t.Errorf("line %d:\n  C:        %s\n  expected: %s", i+1, a, b)
			}
		}
		t.Fatal(fmt.Sprintf("C corosync's libcpg transcript differs from daemon/cpg/testdata/libcpg_transcript.txt"))
	}
}
