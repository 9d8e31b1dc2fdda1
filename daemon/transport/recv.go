package transport

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	gosync "sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

type counters struct {
	tx, rx, txErr, trunc, unlisted, empty atomic.Uint64
}

func (c *counters) stats() Stats {
	return Stats{
		TxFrames: c.tx.Load(), RxFrames: c.rx.Load(), TxErrors: c.txErr.Load(),
		RxTruncated: c.trunc.Load(), RxUnlisted: c.unlisted.Load(), RxEmpty: c.empty.Load(),
	}
}

// receiver runs one goroutine per socket, all feeding one channel.
type receiver struct {
	ch       chan Packet
	done     chan struct{}
	wg       gosync.WaitGroup
	c        *counters
	log      *slog.Logger
	allow    func(netip.Addr) bool // nil: accept every source
	warnOnce [2]atomic.Bool
}

func newReceiver(queue int, c *counters, log *slog.Logger) *receiver {
	return &receiver{ch: make(chan Packet, queue), done: make(chan struct{}), c: c, log: log}
}

// start reads conn on a goroutine. One recvmsg per datagram: a recvmmsg
// batch loop was measured (BenchmarkUDPURecv, 1455-byte frames, 64 in
// flight) and was not faster, since the loop keeps up and batches stay at
// one datagram.
func (r *receiver) start(conn *net.UDPConn, link int) {
	r.wg.Add(1)
	go r.loop(conn, link)
}

func (r *receiver) loop(conn *net.UDPConn, link int) {
	defer r.wg.Done()
	buf := make([]byte, UDPReceiveFrameSizeMax)
	rc, err := conn.SyscallConn()
	if err != nil {
		return
	}
	for {
		n, flags, from, err := rawRecv(rc, buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-r.done:
				return
			default:
			}
			r.log.Debug("transport: recvmsg failed", "err", err)
			continue
		}
		if !r.accept(n, flags, from) {
			continue
		}
		p := Packet{Data: append(make([]byte, 0, n), buf[:n]...), From: unmapPort(from), Link: link}
		if !r.push(p) {
			return
		}
	}
}

// accept applies C's checks: truncated datagrams and, with
// block_unlisted_ips, sources that are not nodelist addresses are dropped.
func (r *receiver) accept(n, flags int, from netip.AddrPort) bool {
	if flags&unix.MSG_TRUNC != 0 || n > UDPReceiveFrameSizeMax {
		r.c.trunc.Add(1)
		if !r.warnOnce[0].Swap(true) {
			r.log.Error("Received too big message. Dropping packet.", "from", from)
		}
		return false
	}
	if n == 0 {
		r.c.empty.Add(1)
		return false
	}
	if r.allow != nil && !r.allow(from.Addr().Unmap()) {
		r.c.unlisted.Add(1)
		if !r.warnOnce[1].Swap(true) {
			r.log.Debug("Packet rejected from "+from.Addr().String(), "note", "block_unlisted_ips; logged once")
		}
		return false
	}
	return true
}

func (r *receiver) push(p Packet) bool {
	select {
	case r.ch <- p:
		r.c.rx.Add(1)
		return true
	case <-r.done:
		return false
	}
}

func (r *receiver) offer(p Packet) {
	select {
	case r.ch <- p:
		r.c.rx.Add(1)
	default:
		r.c.txErr.Add(1)
	}
}

// stop ends the loops (the caller closes the sockets first) and closes ch.
func (r *receiver) stop() {
	close(r.done)
	r.wg.Wait()
	close(r.ch)
}

func unmapPort(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
