package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

func TestUidgidAuthorize(t *testing.T) {
	m := icmap.New()
	var denied []string
	auth := uidgidAuthorize(m, func(f string, a ...any) { denied = append(denied, f) })
	cases := []struct {
		name string
		set  func()
		cred ipc.Credentials
		want syscall.Errno
	}{
		{"root user", nil, ipc.Credentials{UID: 0, GID: 100}, 0},
		{"root group", nil, ipc.Credentials{UID: 100, GID: 0}, 0},
		{"nobody", nil, ipc.Credentials{UID: 65534, GID: 65534}, syscall.EACCES},
		{"uid key", func() { m.Set("uidgid.uid.1000", uint8(1)) }, ipc.Credentials{UID: 1000, GID: 5}, 0},
		{"config uid key", func() { m.Set("uidgid.config.uid.1001", uint8(1)) }, ipc.Credentials{UID: 1001, GID: 5}, 0},
		{"gid key", func() { m.Set("uidgid.gid.189", uint8(1)) }, ipc.Credentials{UID: 2000, GID: 189}, 0},
		{"config gid key", func() { m.Set("uidgid.config.gid.190", uint8(1)) }, ipc.Credentials{UID: 2000, GID: 190}, 0},
		// Only a u8 holding 1 counts.
		{"value 2", func() { m.Set("uidgid.uid.3000", uint8(2)) }, ipc.Credentials{UID: 3000, GID: 5}, syscall.EACCES},
		{"u32 1", func() { m.Set("uidgid.uid.3001", uint32(1)) }, ipc.Credentials{UID: 3001, GID: 5}, syscall.EACCES},
	}
	for _, c := range cases {
		if c.set != nil {
			c.set()
		}
		if got := auth(c.cred); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if len(denied) != 3 || !strings.HasPrefix(denied[0], "Denied connection attempt") {
		t.Errorf("denial log: %q", denied)
	}
}

// The running daemon serves cmap: a GET of totem.cluster_name over IPC
// answers with the configured name.
func TestDaemonServesCmap(t *testing.T) {
	var stderr bytes.Buffer
	d, sigs, done := startInProcess(t, "../etc/corosync.conf", &stderr)
	defer func() {
		sigs <- syscall.SIGTERM
		<-done
	}()
	c := dialReady(t, d.IPCSocketName("cmap"))
	defer c.Close()
	var k wire.MarName
	k.Length = uint16(copy(k.Value[:], "totem.cluster_name"))
	res, err := c.Request((&wire.CmapReqGet{Key: k, ValueLen: 32}).Append(nil), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	g, _, err := wire.DecodeCmapResGet(res)
	if err != nil || g.Error != wire.CsOK || string(g.Value[:g.ValueLen]) != "gorosync\x00" {
		t.Fatalf("get: %+v %v", g, err)
	}
	// And a client's set lands in the daemon's map.
	var sk wire.MarName
	sk.Length = uint16(copy(sk.Value[:], "test.ipcsetup"))
	set := (&wire.CmapReqSet{Key: sk, Type: wire.ValueString, Value: []byte("x")}).Append(nil)
	res, err = c.Request(set, 10*time.Second)
	if h, _ := wire.DecodeResponseHeader(res); err != nil || h.Error != int32(wire.CsOK) {
		t.Fatalf("set: %+v %v", h, err)
	}
	if v, err := d.Map.GetString("test.ipcsetup"); err != nil || v != "x" {
		t.Fatalf("map holds %q %v", v, err)
	}
}

// dialReady connects as libcmap users do: CS_ERR_TRY_AGAIN (-EAGAIN, the
// gate closed until the first sync) is retried.
func dialReady(t *testing.T, name string) *ipc.Client {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := ipc.Dial(name, nil)
		if err == nil {
			return c
		}
		var re *ipc.RefusedError
		if !errors.As(err, &re) || re.Errno != syscall.EAGAIN || time.Now().After(deadline) {
			t.Fatalf("dial %s: %v", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The gate refuses with -EAGAIN until a sync completed, whichever of the
// server and the sync comes first.
func TestIPCGate(t *testing.T) {
	for _, syncFirst := range []bool{false, true} {
		d := &Daemon{}
		dir, err := os.MkdirTemp("/dev/shm", "gcgate")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		srv := ipc.NewServer(ipc.Config{ShmDir: dir})
		name := fmt.Sprintf("gc-gate-%d-%v", os.Getpid(), syncFirst)
		svc, err := srv.Register(ipc.ServiceConfig{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		svc.Handle(0, func(c *ipc.Conn, msg []byte) {})
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		if syncFirst {
			d.ipcSyncCompleted()
		}
		d.ipcGate().attach(srv)
		c, err := ipc.Dial(name, nil)
		var re *ipc.RefusedError
		if syncFirst {
			if err != nil {
				t.Fatalf("sync first: %v", err)
			}
			c.Close()
		} else {
			if !errors.As(err, &re) || re.Errno != syscall.EAGAIN {
				t.Fatalf("before sync: %v", err)
			}
			d.ipcSyncCompleted()
			c, err = ipc.Dial(name, nil)
			if err != nil {
				t.Fatalf("after sync: %v", err)
			}
			c.Close()
		}
		srv.Close()
		ipcGates.Delete(d)
	}
}
