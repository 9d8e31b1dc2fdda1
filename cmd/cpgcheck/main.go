// Command cpgcheck is a CPG order checker in the manner of corosync's
// cpghum/cpgverify: it joins a group, multicasts numbered, checksummed
// messages of varying sizes and logs every configuration change and
// delivery (format in package evs) for evs.Verify to judge, while the test
// around it kills, restarts and partitions nodes. It speaks libcpg's
// protocol through our Go client, to our daemon or C corosync alike.
//
// Usage: cpgcheck [-group G] [-interval D] [-max N] -until T -exit T
//
// It sends until the Unix time -until (ms) or -max messages, then only
// delivers until -exit, prints "S sent" and "E" and exits 0. If its daemon
// goes away it prints "X reason" and exits 1; a cpg_finalize that takes
// over 5 s is exit 3, a checker still running 10 s after -exit exit 4
// (both with every goroutine's stack on stderr).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/gorosync/gorosync/cmd/cpgcheck/evs"
	"github.com/gorosync/gorosync/daemon/cpg"
	"github.com/gorosync/gorosync/wire"
)

func main() {
	group := flag.String("group", "cpgcheck", "cpg group")
	interval := flag.Duration("interval", 20*time.Millisecond, "time between sends")
	max := flag.Uint64("max", 100000, "messages to send at most")
	until := flag.Int64("until", 0, "stop sending at this Unix time (ms)")
	exit := flag.Int64("exit", 0, "exit at this Unix time (ms)")
	flag.Parse()
	if *until == 0 || *exit < *until {
		fmt.Fprintln(os.Stderr, "cpgcheck: -until and -exit (>= -until) are required")
		os.Exit(2)
	}
	// Dial may retry for 10 s: a checker started late is not yet stuck.
	wd := time.UnixMilli(*exit).Add(watchdogAfter)
	if late := time.Now().Add(10*time.Second + watchdogAfter); wd.Before(late) {
		wd = late
	}
	watchdog(wd)
	out := bufio.NewWriter(os.Stdout)
	err := run(out, *group, *interval, *max, time.UnixMilli(*until), time.UnixMilli(*exit))
	if err != nil {
		fmt.Fprintf(out, "X %v\n", err)
	}
	out.Flush()
	if errors.Is(err, errFinalizeHung) {
		os.Exit(3)
	}
	if err != nil {
		os.Exit(1)
	}
}

func run(out *bufio.Writer, group string, interval time.Duration, maxMsgs uint64, until, exit time.Time) error {
	var c *cpg.Client
	var err error
	for range 100 {
		if c, err = cpg.Dial("cpg", 0); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	closeOnReturn := true
	defer func() {
		if closeOnReturn {
			c.Close()
		}
	}()
	nodeid, err := c.LocalGet()
	if err != nil {
		return fmt.Errorf("local_get: %w", err)
	}
	self := evs.Proc{NodeID: nodeid, PID: uint32(os.Getpid())}
	fmt.Fprintf(out, "P %d %d\n", self.NodeID, self.PID)
	if err := c.Join(group); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(self.NodeID), uint64(self.PID)))
	var sent uint64
	joined := false
	next := time.Now()
	flushed := time.Now()
	for {
		now := time.Now()
		if now.After(exit) {
			fmt.Fprintf(out, "S %d\nE\n", sent)
			out.Flush()
			err := finalize(c)
			// Close would wait for the hung request's lock.
			closeOnReturn = !errors.Is(err, errFinalizeHung)
			return err
		}
		if joined && sent < maxMsgs && now.Before(until) && !now.Before(next) {
			m := evs.Msg{NodeID: self.NodeID, PID: self.PID, Seq: sent + 1, Payload: evs.Payload(rng, sent+1)}
			switch err := c.McastJoined(m.Encode()); {
			case err == nil:
				sent++
				next = next.Add(interval)
				if next.Before(now) {
					next = now
				}
			case errors.Is(err, syscall.EAGAIN), errors.Is(err, cpg.ErrCS(wire.CsErrTryAgain)):
				// Flow control: the same seq goes again on the next turn.
			default:
				fmt.Fprintf(out, "S %d\n", sent)
				return fmt.Errorf("mcast seq %d: %w", sent+1, err)
			}
		}
		wait := max(time.Until(next), time.Millisecond)
		wait = min(wait, 50*time.Millisecond)
		ev, err := c.NextEvent(wait)
		if errors.Is(err, syscall.ETIMEDOUT) {
			ev = nil
		} else if err != nil {
			fmt.Fprintf(out, "S %d\n", sent)
			return fmt.Errorf("dispatch: %w", err)
		}
		switch e := ev.(type) {
		case *wire.CpgConfchg:
			ms := make([]evs.Proc, len(e.Members))
			for i, a := range e.Members {
				ms[i] = evs.Proc{NodeID: a.NodeID, PID: a.PID}
			}
			slices.SortFunc(ms, func(a, b evs.Proc) int {
				if a.NodeID != b.NodeID {
					return int(int64(a.NodeID) - int64(b.NodeID))
				}
				return int(int64(a.PID) - int64(b.PID))
			})
			fmt.Fprintln(out, evs.FormatMembers(ms))
			joined = joined || slices.Contains(ms, self)
		case *wire.CpgDeliver:
			h, err := evs.Decode(e.Message)
			if err != nil {
				fmt.Fprintf(out, "B %d %d %d\n", e.NodeID, e.PID, len(e.Message))
				break
			}
			fmt.Fprintf(out, "D %d %d %d %d %d %d %d %d %d\n", e.NodeID, e.PID, h.NodeID, h.PID, h.Seq, h.Len, h.CRC, h.CRCGot, h.PayloadGotSize)
		}
		if time.Since(flushed) > 200*time.Millisecond {
			out.Flush()
			flushed = time.Now()
		}
	}
}

// watchdogAfter is how long after -exit a checker that has not returned
// (stuck in dispatch or in a send, not in the bounded finalize) dumps its
// stacks and exits 4, before the test's own SIGQUIT.
const watchdogAfter = 10 * time.Second

func watchdog(at time.Time) {
	time.AfterFunc(time.Until(at), func() {
		buf := make([]byte, 1<<16)
		fmt.Fprintf(os.Stderr, "cpgcheck: still running %v after -exit\n%s\n", watchdogAfter, buf[:runtime.Stack(buf, true)])
		os.Exit(4)
	})
}

// errFinalizeHung makes main exit 3: the log is complete, but cpg_finalize
// never came back, which is a bug of its own (stacks on stderr).
var errFinalizeHung = errors.New("finalize hung")

// finalize bounds cpg_finalize, so a daemon or client bug there cannot
// keep the checker (and the test) waiting; the stacks say where it hung.
func finalize(c *cpg.Client) error {
	done := make(chan error, 1)
	go func() { done <- c.Finalize() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		buf := make([]byte, 1<<16)
		fmt.Fprintf(os.Stderr, "cpgcheck: cpg_finalize hung for 5 s\n%s\n", buf[:runtime.Stack(buf, true)])
		return errFinalizeHung
	}
}
