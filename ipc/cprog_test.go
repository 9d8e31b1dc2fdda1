package ipc

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	cBuildOnce sync.Once
	cBuildDir  string
	cBuildErr  error
)

// TestMain removes the C build directory shared by the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if cBuildDir != "" {
		os.RemoveAll(cBuildDir)
	}
	os.Exit(code)
}

// cProgram builds (once per test binary) one of our C test programs in
// testdata against Debian's libqb-dev. A missing gcc or libqb-dev is a test
// failure: `make deps` installs them.
func cProgram(t testing.TB, name string) string {
	t.Helper()
	cBuildOnce.Do(func() {
		cBuildDir, cBuildErr = os.MkdirTemp("", "gqipc-c")
		if cBuildErr != nil {
			return
		}
		flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libqb").Output()
		if err != nil {
			cBuildErr = err
			return
		}
		for _, p := range []string{"qbclient", "qbserver"} {
			args := append([]string{"-O2", "-Wall", "-Werror", "-o", filepath.Join(cBuildDir, p), filepath.Join("testdata", p+".c")},
				strings.Fields(string(flags))...)
			out, err := exec.Command("gcc", args...).CombinedOutput()
			if err != nil {
				cBuildErr = &buildError{p, string(out), err}
				return
			}
		}
	})
	if cBuildErr != nil {
		t.Fatalf("building C test programs (gcc, pkg-config and libqb-dev are required): %v", cBuildErr)
	}
	return filepath.Join(cBuildDir, name)
}

type buildError struct {
	prog, out string
	err       error
}

func (e *buildError) Error() string { return e.prog + ": " + e.err.Error() + "\n" + e.out }

// startCServer runs testdata/qbserver (libqb's own server) and waits for it
// to serve. It creates its files in /dev/shm, as libqb always does.
func startCServer(t testing.TB, name string, tr Transport) {
	t.Helper()
	cmd := exec.Command(cProgram(t, "qbserver"), name, tr.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "READY" {
		t.Fatalf("qbserver did not start: %q %v", line, err)
	}
}
