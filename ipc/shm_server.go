package ipc

import (
	"errors"
	"fmt"
	"io"
	"net"
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
	for {
		n, err := t.uc.Read(buf)
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
		for {
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

func (t *shmServer) notify(n int) error {
	for n > 0 {
		k := min(n, len(zeros))
		if _, err := t.uc.Write(zeros[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
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
