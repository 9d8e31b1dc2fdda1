package ipc

import (
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/wire"
)

// shmClient is the client end of the SHM transport (libqb ipc_shm.c).
type shmClient struct {
	setup         int
	req, resp, ev *ring
	dir           string
}

// fcEnableMax is libqb's default: a flow-control word of 1 stops every
// send; 2 (QB_IPCS_RATE_OFF_2) stops only those made with SendFC(2).
const fcEnableMax = 1

func openShmClient(setup int, r *wire.ConnResponse) (cliTransport, error) {
	t := &shmClient{setup: setup, dir: filepath.Dir(r.Request)}
	var err error
	// The request header carries 4 bytes of user data (the fc word).
	if t.req, err = openRing(r.Request, r.MaxMsgSize, 4); err != nil {
		return nil, err
	}
	if t.resp, err = openRing(r.Response, r.MaxMsgSize, 0); err != nil {
		t.req.release()
		return nil, err
	}
	if t.ev, err = openRing(r.Event, r.MaxMsgSize, 0); err != nil {
		t.req.release()
		t.resp.release()
		return nil, err
	}
	return t, nil
}

func (t *shmClient) fd() int { return t.setup }

func (t *shmClient) send(fcMax int32, parts ...[]byte) error {
	rc, err := t.req.refCount()
	if err != nil {
		return err
	}
	if rc != 2 {
		return syscall.ENOTCONN
	}
	fc, err := t.req.userData()
	if err != nil {
		return err
	}
	if fc > 0 && fc <= fcMax {
		return syscall.EAGAIN
	}
	if err := t.req.write(parts...); err != nil {
		return err
	}
	// One byte per request wakes the server's poll loop; its value is
	// irrelevant.
	return writeFull(t.setup, []byte{0})
}

// waitRing waits for a token on r in liveness slices.
func (t *shmClient) waitRing(r *ring, timeout time.Duration) error {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		slice := livenessSlice
		if timeout >= 0 {
			slice = min(slice, time.Until(deadline))
			if slice < 0 {
				slice = 0
			}
		}
		err := r.timedWait(slice)
		if err != syscall.ETIMEDOUT {
			return err
		}
		if hungUp(t.setup) {
			return syscall.ENOTCONN
		}
		if rc, err := r.refCount(); err != nil || rc != 2 {
			return syscall.ENOTCONN
		}
		if timeout >= 0 && !time.Now().Before(deadline) {
			return syscall.ETIMEDOUT
		}
	}
}

func (t *shmClient) readAfterWait(r *ring) ([]byte, error) {
	msg, err := r.read(nil)
	if err != nil {
		return nil, err
	}
	if msg == nil {
		// Token without chunk: give the token back like libqb.
		r.postGuarded()
		return nil, syscall.EBADMSG
	}
	return msg, nil
}

func (t *shmClient) recv(timeout time.Duration) ([]byte, error) {
	if err := t.waitRing(t.resp, timeout); err != nil {
		return nil, err
	}
	return t.readAfterWait(t.resp)
}

func (t *shmClient) recvEvent(timeout time.Duration) ([]byte, error) {
	re, err := pollFd(t.setup, unix.POLLIN, timeout)
	if err != nil {
		return nil, err
	}
	if re == 0 {
		return nil, syscall.ETIMEDOUT
	}
	if re&unix.POLLIN == 0 {
		return nil, syscall.ENOTCONN
	}
	if ok, err := t.ev.tryWait(); err != nil {
		return nil, err
	} else if !ok {
		// POLLIN without a token: either the server is gone (EOF) or the
		// byte raced ahead; wait a little for the chunk.
		if err := t.waitRing(t.ev, min(max(timeout, 0), livenessSlice)); err != nil {
			if err == syscall.ETIMEDOUT && hungUp(t.setup) {
				return nil, syscall.ENOTCONN
			}
			var b [1]byte
			if n, _ := unix.Read(t.setup, b[:]); n == 0 {
				return nil, syscall.ENOTCONN
			}
			return nil, err
		}
	}
	msg, err := t.readAfterWait(t.ev)
	if err != nil {
		return nil, err
	}
	var b [1]byte
	for {
		n, err := unix.Read(t.setup, b[:])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			pollFd(t.setup, unix.POLLIN, livenessSlice)
			continue
		}
		_ = n
		break
	}
	return msg, nil
}

func (t *shmClient) close(serverDead bool) {
	for _, r := range []*ring{t.req, t.resp, t.ev} {
		r.release()
		if serverDead {
			r.unlink()
		}
	}
	if serverDead {
		os.Remove(t.dir)
	}
}
