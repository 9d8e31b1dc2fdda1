package ipc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
	"unsafe"
)

// shmServer is the server end of the SHM transport: it creates the three
// rings; requests are announced by one byte each on the setup socket, events
// by one byte each the other way, responses by the semaphore only.
type shmServer struct {
	uc            *net.UnixConn
	req, resp, ev *ring
}

func newShmServer(c *Conn, desc string) (*shmServer, error) {
	uid, gid := int(c.cred.UID), int(c.cred.GID)
	name := c.svc.cfg.Name
	t := &shmServer{uc: c.uc}
	var err error
	if t.req, err = createRing(desc+"-request-"+name, c.maxMsg, uid, gid); err != nil {
		return nil, err
	}
	if t.resp, err = createRing(desc+"-response-"+name, c.maxMsg, uid, gid); err != nil {
		t.teardown()
		return nil, err
	}
	if t.ev, err = createRing(desc+"-event-"+name, c.maxMsg, uid, gid); err != nil {
		t.teardown()
		return nil, err
	}
	return t, nil
}

func (t *shmServer) recvLoop(c *Conn) error {
	var msgBuf []byte
	if c.svc.cfg.BorrowMessages {
		msgBuf = make([]byte, c.maxMsg)
	}
	buf := make([]byte, 512)
	rc, err := t.uc.SyscallConn()
	if err != nil {
		return err
	}
	for {
		n, err := rawRead(rc, buf)
		if n == 0 || err != nil {
			if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return ErrClosed
			}
			return err
		}
		// Take a semaphore token before each chunk, as libqb's reader does:
		// the client commits a chunk before posting, so reading chunks
		// without tokens would leave tokens behind, and a ring whose
		// pointers meet while tokens remain counts as full for the writer.
		// Bytes and chunks need not match one to one.
		for !c.closing.Load() {
			ok, err := t.req.tryWait()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			msg, err := t.req.read(msgBuf)
			if err != nil {
				return fmt.Errorf("request ring: %w", err)
			}
			if msg == nil {
				c.st.recvRetries.Add(1)
				// Token without a committed chunk: give it back.
				if err := t.req.postGuarded(); err != nil {
					return err
				}
				break
			}
			if err := c.dispatch(msg); err != nil {
				return err
			}
		}
	}
}

func (t *shmServer) respond(parts ...[]byte) error { return t.resp.write(parts...) }
func (t *shmServer) eventWrite(msg []byte) error   { return t.ev.write(msg) }

var zeros [4096]byte

// notify writes n notification bytes. It never holds the socket's write
// lock while waiting (notifyNow must not block behind it): a full socket is
// retried with a growing pause until the client reads or goes away.
func (t *shmServer) notify(n int, done <-chan struct{}) error {
	pause := time.Millisecond
	for n > 0 {
		k, err := t.trySend(min(n, len(zeros)))
		if err != nil {
			return err
		}
		n -= k
		if k > 0 {
			pause = time.Millisecond
			continue
		}
		select {
		case <-done:
			return ErrClosed
		case <-time.After(pause):
		}
		pause = min(pause*2, 50*time.Millisecond)
	}
	return nil
}

// trySend makes one non-blocking send of k notification bytes; a full
// socket is (0, nil).
func (t *shmServer) trySend(k int) (int, error) {
	rc, err := t.uc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		// Raw: see rawRead.
		r, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&zeros[0])), uintptr(k),
			syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, 0, 0)
		n = int(r)
		if e != 0 {
			n, serr = 0, e
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	if serr == syscall.EAGAIN || serr == syscall.EINTR {
		return 0, nil
	}
	return n, serr
}

func (t *shmServer) notifyNow(n int) int {
	k, err := t.trySend(min(n, len(zeros)))
	if err != nil {
		return 0
	}
	return k
}

func (t *shmServer) setFlowControl(level int32) error { return t.req.setUserData(level) }

func (t *shmServer) shutdown() {}

func (t *shmServer) teardown() {
	for _, r := range []*ring{t.req, t.resp, t.ev} {
		if r != nil {
			r.release()
			r.unlink()
		}
	}
}

// rawRead reads the notification bytes of the setup socket, waiting in the
// runtime's poller while there are none. The read itself is a raw call: it
// cannot block (MSG_DONTWAIT), and the runtime's syscall bookkeeping wakes
// its sysmon thread each time an idle process makes a call, which cost a
// context switch per request under CPG load (daemon/transport/rawio.go).
func rawRead(rc syscall.RawConn, buf []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := rc.Read(func(fd uintptr) bool {
		r, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
			syscall.MSG_DONTWAIT, 0, 0)
		if e == syscall.EAGAIN || e == syscall.EINTR {
			return false
		}
		n, errno = int(r), e
		return true
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return n, nil
}
