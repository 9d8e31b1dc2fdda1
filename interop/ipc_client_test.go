//go:build interop

package interop

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/interop/harness"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// The Go client must run in the node's network namespace (abstract sockets)
// and see its private /dev/shm (the rings), so the test binary re-executes
// itself on the host; this env var selects the child role.
const ipcChildEnv = "GOROSYNC_IPC_CLIENT_CHILD"

func init() {
	if os.Getenv(ipcChildEnv) != "" {
		if err := ipcClientChild(); err != nil {
			fmt.Println("IPCFAIL", err)
			os.Exit(1)
		}
		fmt.Println("IPCOK")
		os.Exit(0)
	}
}

// TestIPCClientAgainstCCorosync: our Go libqb client talks to Debian's C
// corosync 3.1.7, reads a cmap key with hand-marshalled libcmap GET requests
// and receives a cmap track event.
// Run for both libqb transports (system.qb_ipc_type native and socket).
func TestIPCClientAgainstCCorosync(t *testing.T) {
	for _, tr := range []string{"shm", "socket"} {
		t.Run(tr, func(t *testing.T) {
			cfg := harness.Config{ClusterName: "gqipc"}
			if tr == "socket" {
				// The harness template has no system section; these lines
				// close totem early and open one (its "}" closes it).
				cfg.TotemExtra = []string{"}", "system {", "qb_ipc_type: socket"}
			}
			c := harness.New(t, 1, cfg)
			c.StartAll(harness.C)
			h := c.Host(1)
			h.WaitCmap(30 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := h.Command(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), ipcChildEnv+"="+tr)
			out, err := cmd.CombinedOutput()
			t.Logf("child:\n%s", out)
			if err != nil || !strings.Contains(string(out), "IPCOK") {
				t.Fatalf("Go client against C corosync (%s) failed: %v", tr, err)
			}
		})
	}
}

// cmap message ids and layout (ipc-spec §5.2).
const (
	cmapSet      = 0
	cmapGet      = 2
	cmapTrackAdd = 7
	cmapNotify   = 9
	csOK         = 1
	typeUint32   = 6
	typeString   = 11
	trackAdd     = 4
	trackModify  = 2
)

func marName(b []byte, off int, key string) {
	binary.LittleEndian.PutUint16(b[off:], uint16(len(key)))
	copy(b[off+8:off+8+256], key)
}

func cmapGetReq(key string, valueLen uint64) []byte {
	b := make([]byte, 288)
	wire.RequestHeader{ID: cmapGet, Size: 288}.Append(b[:0])
	marName(b, 16, key)
	binary.LittleEndian.PutUint64(b[280:], valueLen)
	return b
}

func ipcClientChild() error {
	c, err := ipc.Dial("cmap", nil)
	if err != nil {
		return fmt.Errorf("dial cmap: %w", err)
	}
	defer c.Close()
	if want := os.Getenv(ipcChildEnv); c.Transport().String() != want {
		return fmt.Errorf("corosync chose %v, configured %s", c.Transport(), want)
	}
	if cr := c.ServerCreds(); cr.PID <= 0 || cr.UID != 0 {
		return fmt.Errorf("server credentials %+v", cr)
	}
	fmt.Printf("connected: transport %v, max %d, server %+v\n", c.Transport(), c.MaxMsgSize(), c.ServerCreds())

	// GET with a zero buffer returns the length, then GET the value.
	resp, err := c.Request(cmapGetReq("totem.cluster_name", 0), 10*time.Second)
	if err != nil {
		return err
	}
	h, _ := wire.DecodeResponseHeader(resp)
	if h.ID != cmapGet || h.Error != csOK || len(resp) != 40 {
		return fmt.Errorf("GET(0): %+v, %d bytes", h, len(resp))
	}
	n := binary.LittleEndian.Uint64(resp[24:])
	if resp[32] != typeString {
		return fmt.Errorf("cluster_name type %d", resp[32])
	}
	resp, err = c.Request(cmapGetReq("totem.cluster_name", n), 10*time.Second)
	if err != nil {
		return err
	}
	h, _ = wire.DecodeResponseHeader(resp)
	if h.Error != csOK || len(resp) != 40+int(n) || !bytes.Equal(resp[40:], []byte("gqipc\x00")) {
		return fmt.Errorf("GET: %+v % x", h, resp[24:])
	}
	fmt.Printf("totem.cluster_name = %q\n", resp[40:])

	// A missing key is NOT_EXIST (12).
	resp, err = c.Request(cmapGetReq("gq.no.such.key", 0), 10*time.Second)
	if err != nil {
		return err
	}
	if h, _ := wire.DecodeResponseHeader(resp); h.Error != 12 {
		return fmt.Errorf("missing key: error %d", h.Error)
	}

	// Track a key, set it, receive the notification.
	const key, inst = "gq.ipc.track", uint64(0x1122334455667788)
	tr := make([]byte, 296)
	wire.RequestHeader{ID: cmapTrackAdd, Size: 296}.Append(tr[:0])
	marName(tr, 16, key)
	binary.LittleEndian.PutUint32(tr[280:], trackAdd|trackModify)
	binary.LittleEndian.PutUint64(tr[288:], inst)
	resp, err = c.Request(tr, 10*time.Second)
	if err != nil {
		return err
	}
	if h, _ := wire.DecodeResponseHeader(resp); h.ID != cmapTrackAdd || h.Error != csOK || len(resp) != 32 {
		return fmt.Errorf("TRACK_ADD: %+v", h)
	}
	set := make([]byte, 300)
	wire.RequestHeader{ID: cmapSet, Size: 300}.Append(set[:0])
	marName(set, 16, key)
	binary.LittleEndian.PutUint64(set[280:], 4)
	set[288] = typeUint32
	binary.LittleEndian.PutUint32(set[296:], 42)
	resp, err = c.Request(set, 10*time.Second)
	if err != nil {
		return err
	}
	if h, _ := wire.DecodeResponseHeader(resp); h.Error != csOK {
		return fmt.Errorf("SET: %+v", h)
	}
	// The event is announced on the pollable fd, as for cmap_fd_get().
	p := []unix.PollFd{{Fd: int32(c.Fd()), Events: unix.POLLIN}}
	if n, err := unix.Poll(p, 10000); n != 1 || err != nil || p[0].Revents&unix.POLLIN == 0 {
		return fmt.Errorf("no event on fd: %d %v %#x", n, err, p[0].Revents)
	}
	ev, err := c.RecvEvent(10 * time.Second)
	if err != nil {
		return err
	}
	eh, _ := wire.DecodeResponseHeader(ev)
	if eh.ID != cmapNotify || len(ev) != 336+4 || int(eh.Size) != len(ev) {
		return fmt.Errorf("event %+v, %d bytes", eh, len(ev))
	}
	gotKey := string(ev[40 : 40+binary.LittleEndian.Uint16(ev[32:])])
	if binary.LittleEndian.Uint64(ev[24:]) != inst || gotKey != key ||
		binary.LittleEndian.Uint32(ev[296:]) != trackAdd || ev[304] != typeUint32 ||
		binary.LittleEndian.Uint64(ev[320:]) != 4 || binary.LittleEndian.Uint32(ev[336:]) != 42 {
		return fmt.Errorf("notification % x", ev[24:])
	}
	fmt.Printf("track event: key %s ADD uint32 42\n", gotKey)
	return nil
}
