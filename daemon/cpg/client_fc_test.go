package cpg

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/gorosync/gorosync/ipc"
)

// RATE_OFF_2, which the daemon writes while sync runs or totem is
// congested, refuses McastJoined with TRY_AGAIN as it does libcpg's
// cpg_mcast_joined (fc_enable_max 2), but lets other requests in; 0 lets
// the MCAST through again. (Short test names: the socket transport's
// paths under t.TempDir() must fit in sun_path.)
func TestMcastFC2Shm(t *testing.T)  { mcastFC2(t, ipc.SHM) }
func TestMcastFC2Sock(t *testing.T) { mcastFC2(t, ipc.Socket) }

func mcastFC2(t *testing.T, tr ipc.Transport) {
	l := newLoopbackTransport(t, fmt.Sprintf("fc-%d-%d", os.Getpid(), nameSeq.Add(1)), t.TempDir(), tr)
	a := l.dial(t, 100, 0)
	if err := a.Join("g"); err != nil {
		t.Fatal(err)
	}
	want(t, a, "confchg g m[7:100] l[] j[7:100/1]")
	l.flowControl(2)
	if err := a.McastJoined([]byte("held")); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("McastJoined under RATE_OFF_2: %v, want EAGAIN", err)
	}
	if _, err := a.LocalGet(); err != nil {
		t.Fatalf("LocalGet under RATE_OFF_2: %v", err)
	}
	l.flowControl(0)
	if err := a.McastJoined([]byte("sent")); err != nil {
		t.Fatalf("McastJoined after flow control: %v", err)
	}
	want(t, a, `deliver g from 7:100 "sent"`)
}
