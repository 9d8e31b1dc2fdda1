package ipc

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// srvTransport is the server side of one connection's message channels.
type srvTransport interface {
	// recvLoop delivers requests to c.dispatch until the connection dies.
	recvLoop(c *Conn) error
	// respond and eventWrite never block; a full channel is syscall.EAGAIN.
	respond(parts ...[]byte) error
	eventWrite(msg []byte) error
	// notify tells the client about n new events (SHM: n bytes on the setup
	// socket). It may block; only the connection's event pump calls it.
	notify(n int, done <-chan struct{}) error
	// notifyNow tries to announce n events without blocking and returns
	// how many it announced (n where no announcement is needed).
	notifyNow(n int) int
	setFlowControl(level int32) error
	// shutdown unblocks recvLoop; teardown releases and removes everything.
	shutdown()
	teardown()
}

// Conn is one client connection on the server side.
type Conn struct {
	srv    *Server
	svc    *Service
	uc     *net.UnixConn
	cred   Credentials
	id     uint64
	maxMsg uint32
	dir    string
	t      srvTransport

	ctxMu sync.Mutex
	ctx   any

	respMu sync.Mutex // response channel writer
	evMu   sync.Mutex // event channel writer, queue and pending count
	closed bool       // under both respMu and evMu
	evq    [][]byte
	evMax  int
	notes  int // events written but not yet announced, owed by the pump
	held   int // events written whose announcement waits for FlushEvents

	closing   atomic.Bool // set by Close before the sockets are shut
	closeOnce sync.Once
	done      chan struct{}
	kick      chan struct{}
	pumpDone  chan struct{}
	accepted  bool // OnConnect said yes, so OnClose must run
	created   bool // Config.OnConnCreated ran, so OnConnClosed must run
	closedRun sync.Once

	st connCounters
}

// Creds returns the peer's credentials taken at accept time.
func (c *Conn) Creds() Credentials { return c.cred }

// Service returns the service this connection belongs to.
func (c *Conn) Service() *Service { return c.svc }

// ID is unique per server; it is also sent as the response's "connection".
func (c *Conn) ID() uint64 { return c.id }

// MaxMsgSize is the negotiated largest message in either direction.
func (c *Conn) MaxMsgSize() uint32 { return c.maxMsg }

// Description is the connection's file prefix (libqb's c->description).
func (c *Conn) Description() string { return filepath.Join(c.dir, "qb") }

// Context returns what the service attached with SetContext.
func (c *Conn) Context() any {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	return c.ctx
}

// SetContext attaches per-connection service state.
func (c *Conn) SetContext(v any) {
	c.ctxMu.Lock()
	c.ctx = v
	c.ctxMu.Unlock()
}

func (c *Conn) String() string {
	return fmt.Sprintf("%s conn %d (pid %d)", c.svc.cfg.Name, c.id, c.cred.PID)
}

// setup creates the connection directory and the transport's files and fills
// the handshake response.
func (c *Conn) setup(resp *wire.ConnResponse) error {
	fd := -1
	if rc, err := c.uc.SyscallConn(); err == nil {
		rc.Control(func(f uintptr) { fd = int(f) })
	}
	dir, err := makeConnDir(c.srv.cfg.ShmDir, fmt.Sprintf("qb-%d-%d-%d-", c.srv.pid, c.cred.PID, fd))
	if err != nil {
		return err
	}
	c.dir = dir
	liveDirs.add(dir)
	if os.Geteuid() == 0 {
		os.Chown(dir, int(c.cred.UID), int(c.cred.GID))
	}
	desc := c.Description()
	switch c.srv.cfg.Transport {
	case Socket:
		t, err := newSockServer(desc, c.svc.cfg.Name, c.maxMsg, int(c.cred.UID), int(c.cred.GID))
		if err != nil {
			c.removeDir()
			return err
		}
		c.t = t
		resp.ConnectionType = wire.QBIPCSocket
		resp.Request = t.ctlPath
		resp.Response = t.base
	default:
		t, err := newShmServer(c, desc)
		if err != nil {
			c.removeDir()
			return err
		}
		c.t = t
		resp.ConnectionType = wire.QBIPCSHM
		resp.Request = t.req.hdrPath[:len(t.req.hdrPath)-len("-header")]
		resp.Response = t.resp.hdrPath[:len(t.resp.hdrPath)-len("-header")]
		resp.Event = t.ev.hdrPath[:len(t.ev.hdrPath)-len("-header")]
	}
	return nil
}

// makeConnDir is mkdtemp with libqb's pattern and modes.
func makeConnDir(parent, prefix string) (string, error) {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for range 100 {
		var sfx [6]byte
		for i := range sfx {
			sfx[i] = letters[rand.IntN(len(letters))]
		}
		p := filepath.Join(parent, prefix+string(sfx[:]))
		err := os.Mkdir(p, 0700)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return p, os.Chmod(p, 0770)
	}
	return "", syscall.EEXIST
}

func (c *Conn) removeDir() {
	if c.dir == "" {
		return
	}
	os.Remove(c.dir)
	liveDirs.remove(c.dir)
}

// serve runs on the connection's goroutine until the client goes away.
func (c *Conn) serve() {
	c.pumpDone = make(chan struct{})
	go c.eventPump()
	err := c.t.recvLoop(c)
	if err != nil && !errors.Is(err, ErrClosed) {
		c.srv.cfg.Logf("ipc: %v: %v", c, err)
	}
	c.Close()
	close(c.done)
	<-c.pumpDone
	c.teardown()
	c.srv.forget(c)
	c.runClose()
}

func (c *Conn) runClose() {
	if !c.accepted {
		return
	}
	c.closedRun.Do(func() {
		c.srv.exec(func() {
			if c.svc.cfg.OnClose != nil {
				c.svc.cfg.OnClose(c)
			}
			if c.created && c.srv.cfg.OnConnClosed != nil {
				c.srv.cfg.OnConnClosed(c)
			}
		})
	})
}

// teardown unmaps and unlinks once no writer can touch the channels.
func (c *Conn) teardown() {
	c.respMu.Lock()
	c.evMu.Lock()
	c.closed = true
	c.evq = nil
	if c.t != nil {
		c.t.teardown()
	}
	c.evMu.Unlock()
	c.respMu.Unlock()
	c.removeDir()
}

// Close disconnects the client (server-initiated). Files are removed by the
// connection goroutine shortly after; OnClose runs there.
func (c *Conn) Close() {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		c.uc.Close()
		if c.t != nil {
			c.t.shutdown()
		}
	})
}

// dispatch routes one request through the service's handler table the way
// corosync's cs_ipcs_msg_process does.
func (c *Conn) dispatch(msg []byte) error {
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil {
		return fmt.Errorf("request of %d bytes: %w", len(msg), err)
	}
	if int(h.Size) != len(msg) {
		return fmt.Errorf("request id %d: header size %d, chunk %d bytes", h.ID, h.Size, len(msg))
	}
	if h.ID == wire.QBMsgDisconnect {
		return ErrClosed
	}
	c.st.requests.Add(1)
	e, ok := c.svc.lookup(h.ID)
	if !ok {
		c.st.invalidRequest.Add(1)
		c.respondError(CSErrInvalidParam)
		return nil
	}
	if e.opts&FlowControlled != 0 && c.srv.cfg.Busy != nil && c.srv.cfg.Busy() {
		c.st.overload.Add(1)
		if e.opts&Async == 0 {
			c.respondError(CSErrTryAgain)
			return nil
		}
		// An async request has no response to say TRY_AGAIN, and the
		// client already counted it sent. libqb's QB_IPCS_RATE_OFF leaves
		// such requests in the ring until the rate is restored, so C
		// handles them after sync; dropping them lost a second of cpg
		// messages at every merge (cmd/cpgcheck found it).
		for c.srv.cfg.Busy() {
			if c.closing.Load() {
				c.srv.cfg.Logf("ipc: %v: request id %d dropped: flow control", c, h.ID)
				return nil
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	c.srv.exec(func() { e.fn(c, msg) })
	return nil
}

// cs_error_t values the dispatcher itself produces.
const (
	CSErrTryAgain     = 6
	CSErrInvalidParam = 7
)

func (c *Conn) respondError(cserr int32) {
	b := wire.ResponseHeader{ID: 0, Size: wire.ResponseHeaderSize, Error: cserr}.Append(nil)
	if err := c.Respond(b); err != nil {
		c.srv.cfg.Logf("ipc: %v: error response: %v", c, err)
	}
}

// Respond sends one response. It never blocks: ErrTryAgain if the client's
// response channel is full, ErrClosed after disconnect, syscall.EMSGSIZE if
// larger than MaxMsgSize.
func (c *Conn) Respond(msg []byte) error {
	return c.RespondParts(msg)
}

// RespondParts sends one response gathered from several buffers (like
// qb_ipcs_response_sendv), avoiding a copy of large payloads.
func (c *Conn) RespondParts(parts ...[]byte) error {
	// Events before the response are announced before it.
	c.FlushEvents()
	c.respMu.Lock()
	if c.closed || c.closing.Load() {
		c.respMu.Unlock()
		return ErrClosed
	}
	err := c.t.respond(parts...)
	c.respMu.Unlock()
	if err == nil {
		c.st.responses.Add(1)
	} else if errors.Is(err, syscall.EAGAIN) {
		c.st.sendRetries.Add(1)
	}
	return c.checkSendErr(err)
}

func (c *Conn) checkSendErr(err error) error {
	if err == nil || errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EMSGSIZE) {
		return err
	}
	if c.closing.Load() {
		return ErrClosed
	}
	// The peer broke the shared state (fault, corruption) or vanished.
	c.srv.cfg.Logf("ipc: %v: send: %v", c, err)
	c.Close()
	return err
}

// SendEvent queues one event for the client. It never blocks: once
// Config.EventQueueLen events wait for room it returns ErrTryAgain.
func (c *Conn) SendEvent(msg []byte) error {
	_, err := c.sendEvent(msg, false)
	return err
}

// SendEventHeld is SendEvent for a caller that sends many events in a row
// (deliveries from one turn of the ring): the event is written at once,
// but its announcement (SHM: a byte on the setup socket, which wakes the
// client) waits for FlushEvents, so a burst costs one send and one wake-up
// instead of one per event. first reports that no announcement was held
// before this one: the caller owes a FlushEvents.
func (c *Conn) SendEventHeld(msg []byte) (first bool, err error) {
	return c.sendEvent(msg, true)
}

// FlushEvents announces the events SendEventHeld wrote.
func (c *Conn) FlushEvents() {
	c.evMu.Lock()
	if c.held == 0 {
		c.evMu.Unlock()
		return
	}
	c.announceLocked(0)
}

func (c *Conn) sendEvent(msg []byte, hold bool) (first bool, err error) {
	if len(msg) > int(c.maxMsg) {
		return false, syscall.EMSGSIZE
	}
	c.evMu.Lock()
	if c.closed || c.closing.Load() {
		c.evMu.Unlock()
		return false, ErrClosed
	}
	if len(c.evq) == 0 {
		// Fast path: event and its notification byte are out before the
		// handler's response, as with C corosync, so a client that polls
		// right after the response sees the event.
		err := c.t.eventWrite(msg)
		if err == nil {
			c.st.events.Add(1)
			c.st.sent.Add(1)
			if hold {
				c.held++
				first = c.held == 1
				c.evMu.Unlock()
				return first, nil
			}
			c.announceLocked(1)
			return false, nil
		}
		if !errors.Is(err, syscall.EAGAIN) {
			c.evMu.Unlock()
			return false, c.checkSendErr(err)
		}
		c.st.sendRetries.Add(1)
		// msg_send_or_queue starts queuing afresh.
		c.st.sent.Store(0)
		c.st.queued.Store(0)
		c.st.queuing.Store(true)
	}
	if len(c.evq) >= c.evMax {
		c.evMu.Unlock()
		return false, ErrTryAgain
	}
	c.evq = append(c.evq, append([]byte(nil), msg...))
	c.st.queued.Add(1)
	c.evMu.Unlock()
	c.poke()
	return false, nil
}

// announceLocked announces n new events and the held ones, without
// blocking: what the socket does not take now is left to the pump (which
// also owns the announcements while it has some pending, keeping them in
// order). It releases evMu.
func (c *Conn) announceLocked(n int) {
	n += c.held
	c.held = 0
	if c.notes == 0 {
		n -= c.t.notifyNow(n)
	}
	if n == 0 {
		c.evMu.Unlock()
		return
	}
	c.notes += n
	c.evMu.Unlock()
	c.poke()
}

// EventBacklog is the number of events waiting for room in the client's ring.
func (c *Conn) EventBacklog() int {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	return len(c.evq)
}

// SetFlowControl writes the request channel's flow-control word: 0 lets the
// client send, 1 (QB_IPCS_RATE_OFF) and 2 (RATE_OFF_2) make its sends fail
// with TRY_AGAIN as corosync does under totem back-pressure.
func (c *Conn) SetFlowControl(level int32) error {
	c.respMu.Lock()
	defer c.respMu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if level != c.st.fcLevel {
		// qb_ipcs_flowcontrol_set counts changes only.
		c.st.fcLevel = level
		c.st.fcState.Store(level)
		c.st.fcCount.Add(1)
	}
	return c.checkSendErrLocked(c.t.setFlowControl(level))
}

func (c *Conn) checkSendErrLocked(err error) error {
	if err != nil {
		go c.Close()
	}
	return err
}

func (c *Conn) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// eventPump moves queued events into the ring as the client makes room and
// sends the notification bytes, so that neither ever blocks a caller.
func (c *Conn) eventPump() {
	defer close(c.pumpDone)
	var backoff time.Duration
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var tc <-chan time.Time
		if backoff > 0 {
			timer.Reset(backoff)
			tc = timer.C
		}
		select {
		case <-c.done:
			timer.Stop()
			return
		case <-c.kick:
			timer.Stop()
		case <-tc:
		}
		c.evMu.Lock()
		var ferr error
		for len(c.evq) > 0 && !c.closed {
			err := c.t.eventWrite(c.evq[0])
			if errors.Is(err, syscall.EAGAIN) {
				c.st.sendRetries.Add(1)
				break
			}
			if err != nil {
				ferr = err
				break
			}
			c.evq[0] = nil
			c.evq = c.evq[1:]
			c.notes++
			c.st.events.Add(1)
			c.st.sent.Add(1)
			c.st.queued.Add(^uint32(0))
		}
		if len(c.evq) == 0 && c.st.queuing.Load() {
			// outq_flush found the queue empty: queuing ends and
			// its counts restart.
			c.st.queuing.Store(false)
			c.st.queued.Store(0)
			c.st.sent.Store(0)
		}
		n, left := c.notes, len(c.evq)
		c.notes = 0
		c.evMu.Unlock()
		if ferr != nil {
			c.checkSendErr(ferr)
		}
		if n > 0 {
			if err := c.t.notify(n, c.done); err != nil {
				c.Close()
			}
		}
		if left > 0 {
			backoff = min(max(backoff*2, time.Millisecond), 50*time.Millisecond)
		} else {
			backoff = 0
		}
	}
}
