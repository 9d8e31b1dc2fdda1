package daemon

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests build cmd/corosync and run it as a process. Those that need
// the lock file run it in a private mount namespace whose /run is a
// temporary directory (unshare -m, root), so no real /run/corosync.pid is
// touched.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gdm-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "corosync")
	out, err := exec.Command("go", "build", "-o", binPath, "../cmd/corosync").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building corosync: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runBin(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(binPath, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// writeConf writes etc/corosync.conf with its state directory in the
// test's temporary directory and extra text appended.
func writeConf(t *testing.T, dir, extra string) string {
	t.Helper()
	base, err := os.ReadFile("../etc/corosync.conf")
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "corosync.conf")
	text := string(base) + "\nsystem {\n\tstate_dir: " + state + "\n}\n" + extra
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBinaryVersion(t *testing.T) {
	out, errOut, code := runBin(t, "-v")
	re := regexp.MustCompile(`^Corosync Cluster Engine, version '[^']+'\nCopyright \(c\) 2006-2021 Red Hat, Inc\.\n\n` +
		`Built-in features:( \S+)*\nAvailable crypto models: .*\nAvailable compression models: .*\n$`)
	if code != 0 || errOut != "" || !re.MatchString(out) || !strings.Contains(out, "'"+Version+"'") {
		t.Errorf("-v: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestBinaryUsage(t *testing.T) {
	out, errOut, code := runBin(t, "-h")
	if code != 1 || out != "" || errOut != "corosync: invalid option -- 'h'\n"+usage {
		t.Errorf("-h: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestBinaryTestConfig(t *testing.T) {
	dir := t.TempDir()
	good := writeConf(t, dir, "")
	_, errOut, code := runBin(t, "-t", "-c", good)
	if code != 0 || !regexp.MustCompile(`^\w{3} \d\d \d\d:\d\d:\d\d notice  \[MAIN  \] Corosync Cluster Engine exiting normally\n$`).MatchString(errOut) {
		t.Errorf("good config: code %d, stderr %q", code, errOut)
	}

	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("totem {\n\tversion: 2\n\tcluster_name: x\n\ttransport: udpu\n\nlogging {\n}\n"), 0o644)
	_, errOut, code = runBin(t, "-t", "-c", bad)
	if code != DoneMainConfigRead || errOut != "parser error: "+bad+":7: Missing closing brace\n" {
		t.Errorf("syntax error: code %d, stderr %q", code, errOut)
	}

	badLog := writeConf(t, filepath.Join(dir, "l"), "logging {\n\ttimestamp: maybe\n}\n")
	_, errOut, code = runBin(t, "-t", "-c", badLog)
	if code != DoneLogConfigRead || errOut != "parse error in config: unknown value for timestamp.\n" {
		t.Errorf("logging error: code %d, stderr %q", code, errOut)
	}

	badTotem := filepath.Join(dir, "v3.conf")
	os.WriteFile(badTotem, []byte("totem {\n\tversion: 3\n}\nnodelist {\n node {\n  ring0_addr: 127.0.0.1\n  nodeid: 1\n }\n}\n"), 0o644)
	_, errOut, code = runBin(t, "-t", "-c", badTotem)
	re := regexp.MustCompile(`^\w{3} \d\d \d\d:\d\d:\d\d\.\d{3} error   \[MAIN  \] parse error in config: This totem parser can only parse version 2 configurations\.\n` +
		`\w{3} \d\d \d\d:\d\d:\d\d\.\d{3} error   \[MAIN  \] Corosync Cluster Engine exiting with status 8 at \S+:\d+\.\n$`)
	if code != DoneMainConfigRead || !re.MatchString(errOut) {
		t.Errorf("totem error: code %d, stderr %q", code, errOut)
	}

	_, errOut, code = runBin(t, "-t", "-c", filepath.Join(dir, "missing.conf"))
	if code != DoneMainConfigRead || errOut != "Can't read file "+filepath.Join(dir, "missing.conf")+": No such file or directory\n" {
		t.Errorf("missing file: code %d, stderr %q", code, errOut)
	}
}

// nsCmd runs the daemon with a private /run bound to run.
func nsCmd(run string, args ...string) *exec.Cmd {
	script := `mount --bind "$0" /run && exec "$@"`
	return exec.Command("unshare", append([]string{"-m", "sh", "-c", script, run, binPath}, args...)...)
}

func needUnshare(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("these tests need root (unshare -m, mount --bind), as `make test` runs them")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) missing")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func readPid(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(string(b), "\n") {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func TestBinaryLockRefusalAndSIGTERM(t *testing.T) {
	needUnshare(t)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	os.Mkdir(run, 0o755)
	conf := writeConf(t, dir, "")
	pidFile := filepath.Join(run, "corosync.pid")

	// READY=1 goes to $NOTIFY_SOCKET.
	notify := filepath.Join(dir, "notify.sock")
	nc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notify, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	var errOut bytes.Buffer
	first := nsCmd(run, "-f", "-c", conf)
	first.Stderr = &errOut
	first.Env = append(os.Environ(), "NOTIFY_SOCKET="+notify)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	waitFor(t, "pid file", func() bool { return readPid(t, pidFile) == first.Process.Pid })
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 256)
	n, err := nc.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Errorf("sd_notify: %q %v", buf[:n], err)
	}

	var secondErr bytes.Buffer
	second := nsCmd(run, "-f", "-c", conf)
	second.Stderr = &secondErr
	err = second.Run()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != DoneAlreadyRunning ||
		!strings.Contains(secondErr.String(), "error   [MAIN  ] Another Corosync instance is already running.\n") ||
		!strings.Contains(secondErr.String(), "error   [MAIN  ] Corosync Cluster Engine exiting with status 18 at ") {
		t.Errorf("second instance: %v\n%s", err, secondErr.String())
	}
	if readPid(t, pidFile) != first.Process.Pid {
		t.Error("second instance touched the pid file")
	}

	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left after shutdown: %v", err)
	}
	out := errOut.String()
	if !regexp.MustCompile(`notice  \[MAIN  \] Node was shut down by a signal\n.*notice  \[MAIN  \] Corosync Cluster Engine exiting normally\n$`).MatchString(out) {
		t.Errorf("shutdown log:\n%s", out)
	}
}

func TestBinaryDaemonize(t *testing.T) {
	needUnshare(t)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	os.Mkdir(run, 0o755)
	logfile := filepath.Join(dir, "corosync.log")
	conf := writeConf(t, dir, "")
	text, _ := os.ReadFile(conf)
	text = bytes.Replace(text, []byte("to_logfile: no"), []byte("to_logfile: yes\n\tlogfile: "+logfile), 1)
	os.WriteFile(conf, text, 0o644)
	pidFile := filepath.Join(run, "corosync.pid")

	var out, errOut bytes.Buffer
	parent := nsCmd(run, "-c", conf)
	parent.Stdout, parent.Stderr = &out, &errOut
	start := time.Now()
	if err := parent.Run(); err != nil {
		t.Fatalf("parent: %v\n%s", err, errOut.String())
	}
	pid := readPid(t, pidFile)
	if pid == 0 || pid == parent.Process.Pid {
		t.Fatalf("pid file holds %d (parent %d)", pid, parent.Process.Pid)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	// The parent returned only once the child held the lock.
	if time.Since(start) > 15*time.Second {
		t.Error("parent took too long")
	}
	sid, err := getsid(pid)
	if err != nil || sid != pid {
		t.Errorf("child session %d, %v; want its own (%d)", sid, err, pid)
	}
	if fd0, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/2", pid)); fd0 != "/dev/null" {
		t.Errorf("child stderr is %q", fd0)
	}
	if errOut.Len() == 0 || !strings.Contains(errOut.String(), "starting up") {
		t.Errorf("parent stderr %q", errOut.String())
	}

	// A second background start fails with the child's status.
	second := nsCmd(run, "-c", conf)
	err = second.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != DoneAlreadyRunning {
		t.Errorf("second background start: %v", err)
	}

	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "daemon exit", func() bool { return syscall.Kill(pid, 0) != nil })
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left: %v", err)
	}
	logText, _ := os.ReadFile(logfile)
	re := regexp.MustCompile(`(?m)^\w{3} \d\d \d\d:\d\d:\d\d \[` + strconv.Itoa(pid) + `\] \S+ corosync notice  \[MAIN  \] Corosync Cluster Engine exiting normally$`)
	if !re.Match(logText) {
		t.Errorf("log file:\n%s", logText)
	}
}

func getsid(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// pid (comm) state ppid pgrp session ...
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return strconv.Atoi(f[3])
}
