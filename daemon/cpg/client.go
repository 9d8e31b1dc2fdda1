package cpg

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// Client is a Go libcpg: the requests lib/cpg.c sends, with its retry
// rules (join/leave repeat on CS_ERR_BUSY, fragments repeat on TRY_AGAIN),
// its fragmentation above max_msg_size − 1024 and its reassembly of
// partial deliveries. It speaks to our daemon and to C corosync alike.
type Client struct {
	c        *ipc.Client
	pid      uint32
	flags    uint32
	timeout  time.Duration
	maxFrag  int
	assembly map[[2]uint32][]byte
}

// ErrCS is a cs_error_t other than CS_OK returned by the daemon.
type ErrCS wire.CsError

func (e ErrCS) Error() string { return fmt.Sprintf("cpg: cs_error %d", int(e)) }

func csErr(e wire.CsError) error {
	if e == wire.CsOK {
		return nil
	}
	return ErrCS(e)
}

// Dial is cpg_model_initialize: flags are the model v1 flags
// (CpgModelV1DeliverInitialTotemConf); name is the socket ("cpg").
func Dial(name string, flags uint32) (*Client, error) {
	c, err := ipc.Dial(name, &ipc.DialOptions{MaxMsgSize: ipc.DefaultMaxMsgSize})
	if err != nil {
		return nil, err
	}
	return &Client{
		c:        c,
		pid:      uint32(os.Getpid()),
		flags:    flags,
		timeout:  10 * time.Second,
		maxFrag:  int(ipc.DefaultMaxMsgSize) - 1024,
		assembly: map[[2]uint32][]byte{},
	}, nil
}

// SetPID changes the pid sent in JOIN/LEAVE (libcpg sends getpid()).
func (c *Client) SetPID(pid uint32) { c.pid = pid }

// Fd is the descriptor to poll for events (cpg_fd_get).
func (c *Client) Fd() int { return c.c.Fd() }

// Close disconnects without FINALIZE (a dying process).
func (c *Client) Close() error { return c.c.Close() }

func (c *Client) request(msg []byte) ([]byte, wire.CsError, error) {
	res, err := c.c.Request(msg, c.timeout)
	if err != nil {
		return nil, 0, err
	}
	h, err := wire.DecodeResponseHeader(res)
	if err != nil {
		return nil, 0, err
	}
	return res, wire.CsError(h.Error), nil
}

// Join is cpg_join.
func (c *Client) Join(group string) error {
	g, err := wire.NewCpgName(group)
	if err != nil {
		return ErrCS(wire.CsErrNameTooLong)
	}
	req := (&wire.CpgReqJoin{Group: g, PID: c.pid, Flags: c.flags}).Append(nil)
	for {
		_, e, err := c.request(req)
		if err != nil {
			return err
		}
		if e != wire.CsErrBusy {
			return csErr(e)
		}
	}
}

// Leave is cpg_leave.
func (c *Client) Leave(group string) error {
	g, err := wire.NewCpgName(group)
	if err != nil {
		return ErrCS(wire.CsErrNameTooLong)
	}
	req := (&wire.CpgReqLeave{Group: g, PID: c.pid}).Append(nil)
	for {
		_, e, err := c.request(req)
		if err != nil {
			return err
		}
		if e != wire.CsErrBusy {
			return csErr(e)
		}
	}
}

// Finalize is cpg_finalize: FINALIZE, then disconnect.
func (c *Client) Finalize() error {
	_, e, err := c.request(wire.RequestHeader{ID: wire.MessageReqCpgFinalize, Size: wire.CpgReqFinalizeSize}.Append(nil))
	c.c.Close()
	if err != nil {
		return err
	}
	return csErr(e)
}

// McastJoined is cpg_mcast_joined with CPG_TYPE_AGREED: one asynchronous
// MCAST request, or PARTIAL_MCAST fragments for a message above the limit.
// ipc.ErrTryAgain (syscall.EAGAIN) is CS_ERR_TRY_AGAIN.
func (c *Client) McastJoined(msg []byte) error {
	if len(msg) > c.maxFrag {
		return c.sendFragments(msg)
	}
	// As libcpg: fc_enable_max 2, so RATE_OFF_2 (sync, totem congestion)
	// says TRY_AGAIN here instead of queueing the MCAST behind it.
	return c.c.SendFC(2, (&wire.CpgReqMcast{Guarantee: 2, Message: msg}).Append(nil))
}

func (c *Client) sendFragments(msg []byte) error {
	for sent := 0; sent < len(msg); {
		n := min(len(msg)-sent, c.maxFrag)
		typ := wire.CpgPartialContinued
		switch {
		case sent == 0:
			typ = wire.CpgPartialFirst
		case sent+n == len(msg):
			typ = wire.CpgPartialLast
		}
		req := (&wire.CpgReqPartialMcast{Guarantee: 2, MsgLen: uint32(len(msg)), Type: typ, Data: msg[sent : sent+n]}).Append(nil)
		var e wire.CsError
		for retry := 0; ; retry++ {
			var err error
			_, e, err = c.request(req)
			if err != nil {
				return err
			}
			if e != wire.CsErrTryAgain || retry >= 100 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if e != wire.CsOK {
			return ErrCS(e)
		}
		sent += n
	}
	return nil
}

// MembershipGet is cpg_membership_get.
func (c *Client) MembershipGet(group string) ([]wire.CpgAddress, error) {
	g, err := wire.NewCpgName(group)
	if err != nil {
		return nil, ErrCS(wire.CsErrNameTooLong)
	}
	res, e, err := c.request((&wire.CpgReqGroup{Group: g}).Append(nil))
	if err != nil {
		return nil, err
	}
	if e != wire.CsOK {
		return nil, ErrCS(e)
	}
	m, err := wire.DecodeCpgResMembership(res)
	if err != nil {
		return nil, err
	}
	return m.Members, nil
}

// LocalGet is cpg_local_get.
func (c *Client) LocalGet() (uint32, error) {
	res, e, err := c.request(wire.RequestHeader{ID: wire.MessageReqCpgLocalGet, Size: wire.CpgReqLocalGetSize}.Append(nil))
	if err != nil {
		return 0, err
	}
	if e != wire.CsOK {
		return 0, ErrCS(e)
	}
	_, v, err := wire.DecodeCpgResU64(res)
	return uint32(v), err
}

// Iterate runs cpg_iteration_initialize / _next until NO_SECTIONS /
// _finalize and returns every description.
func (c *Client) Iterate(typ uint32, group string) ([]wire.CpgResIterNext, error) {
	g, err := wire.NewCpgName(group)
	if err != nil {
		return nil, ErrCS(wire.CsErrNameTooLong)
	}
	res, e, err := c.request((&wire.CpgReqIterInit{Group: g, Type: typ}).Append(nil))
	if err != nil {
		return nil, err
	}
	if e != wire.CsOK {
		return nil, ErrCS(e)
	}
	_, h, err := wire.DecodeCpgResU64(res)
	if err != nil {
		return nil, err
	}
	var out []wire.CpgResIterNext
	for {
		res, e, err := c.request(wire.AppendCpgReqU64(nil, wire.MessageReqCpgIterationNext, h))
		if err != nil {
			return nil, err
		}
		if e == wire.CsErrNoSections {
			break
		}
		if e != wire.CsOK {
			return nil, ErrCS(e)
		}
		r, err := wire.DecodeCpgResIterNext(res)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	_, e, err = c.request(wire.AppendCpgReqU64(nil, wire.MessageReqCpgIterationFinalize, h))
	if err != nil {
		return nil, err
	}
	return out, csErr(e)
}

// Event is one dispatched callback: *wire.CpgConfchg, *wire.CpgDeliver
// (partial deliveries come out reassembled, as libcpg hands them to the
// deliver callback) or *wire.CpgTotemConfchg.
type Event any

// ErrUnknownEvent is what cpg_dispatch's CS_ERR_LIBRARY stands for.
var ErrUnknownEvent = errors.New("cpg: unknown event id")

// NextEvent waits up to timeout for the next callback; a negative timeout
// waits while the daemon lives.
func (c *Client) NextEvent(timeout time.Duration) (Event, error) {
	deadline := time.Now().Add(timeout)
	for {
		// A deadline already past is a poll: ipc reads a negative timeout
		// as "no timeout", which hung cmd/cpgcheck (1 ms waits on a loaded
		// machine) until an event came.
		left := timeout
		if timeout >= 0 {
			left = max(time.Until(deadline), 0)
		}
		ev, err := c.c.RecvEvent(left)
		if err != nil {
			return nil, err
		}
		h, err := wire.DecodeResponseHeader(ev)
		if err != nil {
			return nil, err
		}
		switch h.ID {
		case wire.MessageResCpgDeliverCallback:
			m, err := wire.DecodeCpgDeliver(ev)
			if err == nil {
				m.Message = append([]byte(nil), m.Message...)
			}
			return m, err
		case wire.MessageResCpgConfchgCallback:
			m, err := wire.DecodeCpgConfchg(ev)
			if err == nil {
				for _, l := range m.Left {
					delete(c.assembly, [2]uint32{l.NodeID, l.PID})
				}
			}
			return m, err
		case wire.MessageResCpgTotemConfchgCallback:
			return wire.DecodeCpgTotemConfchg(ev)
		case wire.MessageResCpgPartialDeliverCallback:
			m, err := wire.DecodeCpgPartialDeliver(ev)
			if err != nil {
				return nil, err
			}
			if d := c.assemble(m); d != nil {
				return d, nil
			}
		default:
			return nil, fmt.Errorf("%w %d", ErrUnknownEvent, h.ID)
		}
	}
}

// assemble follows cpg_dispatch: FIRST drops an unfinished assembly of the
// same (nodeid, pid); fragments without a FIRST are ignored; LAST delivers.
func (c *Client) assemble(m *wire.CpgPartialDeliver) *wire.CpgDeliver {
	key := [2]uint32{m.NodeID, m.PID}
	buf, ok := c.assembly[key]
	if m.Type == wire.CpgPartialFirst {
		buf, ok = make([]byte, 0, m.MsgLen), true
	}
	if !ok {
		return nil
	}
	buf = append(buf, m.Data...)
	if m.Type != wire.CpgPartialLast {
		c.assembly[key] = buf
		return nil
	}
	delete(c.assembly, key)
	return &wire.CpgDeliver{Group: m.Group, NodeID: m.NodeID, PID: m.PID, Message: buf}
}
