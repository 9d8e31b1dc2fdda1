package cpg

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/ipc"
)

// libcpgTranscript is what testdata/cpgclient.c prints against a one-node
// cluster, from testdata/libcpg_transcript.txt: every line is what C
// corosync 3.1.7 gives for the same calls (interop/cpg_libcpg_test.go runs
// it against Debian's corosync): the initial totem confchg right after the
// join confchg (flag CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF), EXIST for a
// second join, the 3 MiB message fragmented and reassembled by the library,
// the zero-copy path, NOT_EXIST for a second leave and EXIST for a join
// after the leave (the connection stays LEAVE_STARTED).
func libcpgTranscript(t testing.TB, nodeid uint32, ring string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "libcpg_transcript.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("{{NODE}}", fmt.Sprint(nodeid), "{{RING}}", ring, "{{SUM}}", bigSum()).Replace(string(b))
}

// bigSum is the C program's checksum of its 3 MiB + 17 pattern.
func bigSum() string {
	var sum uint32
	for i := 0; i < 3*1024*1024+17; i++ {
		sum = sum*31 + uint32(byte(i*7+(i>>12)))
	}
	return fmt.Sprintf("%08x", sum)
}

// TestLibcpgC builds testdata/cpgclient.c against Debian's libcpg-dev and
// runs it against our server. libcpg connects to the abstract socket
// "cpg", so the server and the program run in a private network namespace
// (this test binary re-executed under unshare -n).
func TestLibcpgC(t *testing.T) {
	if tr := os.Getenv("GP_CPG_NETNS_CHILD"); tr != "" {
		libcpgChild(t, tr)
		return
	}
	for _, tr := range []string{"shm", "socket"} {
		t.Run(tr, func(t *testing.T) { libcpgInNetns(t, tr) })
	}
}

func libcpgInNetns(t *testing.T, tr string) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "-n", self, "-test.run=^TestLibcpgC$", "-test.v")
	cmd.Env = append(os.Environ(), "GP_CPG_NETNS_CHILD="+tr)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child in a private netns (unshare -n, root needed): %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
}

func libcpgChild(t *testing.T, tr string) {
	bin := filepath.Join(t.TempDir(), "cpgclient")
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libcpg").Output()
	if err != nil {
		t.Fatalf("pkg-config libcpg (libcpg-dev is required): %v", err)
	}
	args := append([]string{"-O2", "-Wall", "-Werror", "-o", bin, filepath.Join("testdata", "cpgclient.c")}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	// libcpg puts its zero-copy files in /dev/shm, whatever the server's
	// ShmDir is.
	transport, err := ipc.ParseTransport(tr)
	if err != nil {
		t.Fatal(err)
	}
	newLoopbackTransport(t, "cpg", "/dev/shm", transport)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cpgclient: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	want := libcpgTranscript(t, 7, "7.4")
	t.Logf("libcpg transcript:\n%s", out)
	if string(out) != want {
		t.Fatalf("transcript:\n%s\nwant:\n%s", out, want)
	}
}
