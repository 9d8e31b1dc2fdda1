package daemon

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const syncCompletedLine = "[MAIN  ] Completed service synchronization, ready to provide service.\n"

// TestNotifyReadyAfterFirstSync: systemd starts corosync's Type=notify
// unit when the daemon says READY=1, which C does from
// corosync_sync_completed, not when its sockets are up. The daemon runs in
// a network namespace of its own whose loopback drops totem's port, so it
// comes up, opens its transport and IPC, and cannot form a ring: nothing
// may reach $NOTIFY_SOCKET then. Once the rule is gone the first sync
// completes and READY=1 must follow the log line that says so. C sends
// nothing but READY=1 (no STATUS=, no STOPPING=1 at exit).
func TestNotifyReadyAfterFirstSync(t *testing.T) {
	needUnshare(t)
	for _, tool := range []string{"nft", "nsenter", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing (nftables, util-linux, iproute2)", tool)
		}
	}
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := writeConf(t, dir, "")
	sock := filepath.Join(dir, "notify")
	nc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	logPath := filepath.Join(dir, "stderr")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	readLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }

	const table = "gvnotify"
	script := `ip link set lo up && ` +
		`nft "add table inet ` + table + `; add chain inet ` + table + ` out { type filter hook output priority 0; }; ` +
		`add rule inet ` + table + ` out udp dport 5405 drop" && ` +
		`mount --bind "$0" /run && exec "$@"`
	cmd := exec.Command("unshare", "-m", "-n", "sh", "-c", script, run, binPath, "-f", "-c", conf)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	}()

	waitFor(t, "the transport to come up", func() bool { return strings.Contains(readLog(), "adding new UDPU member {127.0.0.1}") })
	buf := make([]byte, 512)
	nc.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	if n, err := nc.Read(buf); err == nil {
		t.Fatalf("%q on NOTIFY_SOCKET before any ring could form; log:\n%s", buf[:n], readLog())
	}
	if strings.Contains(readLog(), syncCompletedLine) {
		t.Fatalf("a sync completed although totem's port is blocked:\n%s", readLog())
	}

	pid := strconv.Itoa(cmd.Process.Pid)
	if out, err := exec.Command("nsenter", "-t", pid, "-n", "nft", "delete", "table", "inet", table).CombinedOutput(); err != nil {
		t.Fatalf("unblocking totem: %v\n%s", err, out)
	}
	nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := nc.Read(buf)
	logAtReady := readLog()
	if err != nil {
		t.Fatalf("no READY=1 within 20 s of unblocking: %v\n%s", err, logAtReady)
	}
	if got := string(buf[:n]); got != "READY=1" {
		t.Errorf("first notification %q, want READY=1", got)
	}
	if !strings.Contains(logAtReady, syncCompletedLine) {
		t.Errorf("READY=1 arrived before the first completed sync; log so far:\n%s", logAtReady)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("after SIGTERM: %v\n%s", waitErr, readLog())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("daemon did not stop on SIGTERM:\n%s", readLog())
	}
	// Anything else sent up to the exit may only repeat READY=1 (C sends
	// one per completed sync).
	nc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		n, err := nc.Read(buf)
		if err != nil {
			break
		}
		if got := string(buf[:n]); got != "READY=1" {
			t.Errorf("notification %q: C sends only READY=1", got)
		}
	}
}
