//go:build interop

package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/cpg"
	"github.com/gorosync/gorosync/interop/harness"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// cpgChildEnv makes the test binary, re-executed on a host, run
// cpgGoScenario against the host's "cpg" socket and print its transcript.
const cpgChildEnv = "GOROSYNC_CPG_SCENARIO_CHILD"

func init() {
	if os.Getenv(cpgChildEnv) == "" {
		return
	}
	tr, err := cpgGoScenario("cpg", "/dev/shm")
	fmt.Print(tr)
	if err != nil {
		fmt.Println("CPGFAIL", err)
		os.Exit(1)
	}
	fmt.Println("CPGOK")
	os.Exit(0)
}

// cpgGoScenario drives daemon/cpg's Go client through every request and
// records responses and callbacks.
func cpgGoScenario(socket, zcdir string) (string, error) {
	var out strings.Builder
	logf := func(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }
	var c *cpg.Client
	var err error
	for i := 0; i < 100; i++ {
		if c, err = cpg.Dial(socket, wire.CpgModelV1DeliverInitialTotemConf); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return out.String(), err
	}
	c.SetPID(4242)
	ev := func() {
		e, err := c.NextEvent(10 * time.Second)
		switch m := e.(type) {
		case *wire.CpgConfchg:
			logf("confchg %s m%v l%v j%v", m.Group.String(), m.Members, m.Left, m.Joined)
		case *wire.CpgDeliver:
			if len(m.Message) > 32 {
				logf("deliver %s %d:%d %d bytes", m.Group.String(), m.NodeID, m.PID, len(m.Message))
			} else {
				logf("deliver %s %d:%d %q", m.Group.String(), m.NodeID, m.PID, m.Message)
			}
		case *wire.CpgTotemConfchg:
			logf("totem %s %v", m.RingID, m.Members)
		default:
			logf("event %T %v", e, err)
		}
	}
	id, err := c.LocalGet()
	logf("local_get %d %v", id, err)
	logf("leave unjoined: %v", c.Leave("gogrp"))
	for i := 0; i < 100; i++ {
		if err = c.Join("gogrp"); err == nil || err != cpg.ErrCS(wire.CsErrTryAgain) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	logf("join: %v", err)
	ev()
	ev()
	logf("join again: %v", c.Join("gogrp"))
	m, err := c.MembershipGet("gogrp")
	logf("membership %v %v", m, err)
	logf("mcast: %v", c.McastJoined([]byte("go-hello")))
	ev()
	big := bytes.Repeat([]byte("gorosync"), 300000)
	logf("big mcast: %v", c.McastJoined(big))
	ev()
	z, err := c.ZcbAlloc(zcdir, 32)
	logf("zcb alloc: %v", err)
	if err == nil {
		copy(z.Data(), "zc-go")
		logf("zcb mcast: %v", c.ZcbMcastJoined(z, 5))
		ev()
		logf("zcb free: %v", c.ZcbFree(z))
	}
	for _, typ := range []uint32{wire.CpgIterationAll, wire.CpgIterationOneGroup, wire.CpgIterationNameOnly} {
		it, err := c.Iterate(typ, "gogrp")
		var s []string
		for _, d := range it {
			s = append(s, fmt.Sprintf("%s:%d:%d", d.Group.String(), d.NodeID, d.PID))
		}
		logf("iterate %d %v %v", typ, s, err)
	}
	logf("leave: %v", c.Leave("gogrp"))
	ev()
	logf("leave again: %v", c.Leave("gogrp"))
	logf("finalize: %v", c.Finalize())
	return out.String(), nil
}

// goLoopbackCPG serves our engine under socket, one node (id 1, ring
// 1.5, like the C run) with an in-process "totem".
func goLoopbackCPG(t *testing.T, socket string) {
	q := make(chan []byte, 1<<16)
	e := cpg.New(cpg.Config{NodeID: 1, ZeroCopyDirs: []string{"/dev/shm"}, Mcast: func(iov ...[]byte) error {
		select {
		case q <- bytes.Join(iov, nil):
			return nil
		default:
			return fmt.Errorf("full")
		}
	}})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m := range q {
			e.Deliver(1, m)
			if len(q) == 0 {
				e.FlushEvents() // a batch ends, as a turn of the daemon's ring
			}
		}
	}()
	e.Init(nil, []uint32{1}, wire.RingID{Rep: 1, Seq: 5})
	e.Process()
	time.Sleep(50 * time.Millisecond)
	e.Activate()
	srv := ipc.NewServer(ipc.Config{ShmDir: t.TempDir(), EventQueueLen: 1 << 16})
	if _, err := e.RegisterIPC(srv, socket); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srv.SetReady(true)
	t.Cleanup(func() {
		srv.Close()
		close(q)
		wg.Wait()
	})
}

// TestCpgGoClientOnCAndGo runs one scenario with our Go libcpg against
// Debian's corosync and against our engine: the transcripts (responses,
// error codes, every callback decoded with our strict decoders) must be
// identical, apart from the totem ring id.
func TestCpgGoClientOnCAndGo(t *testing.T) {
	c := harness.New(t, 1, harness.Config{ClusterName: "gpcpgg"})
	h := c.Host(1)
	h.StartCorosync(harness.C)
	h.WaitCmap(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := h.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cpgChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "CPGOK") {
		t.Fatalf("scenario on C corosync: %v\n%s", err, out)
	}
	onC := strings.TrimSuffix(string(out), "CPGOK\n")

	socket := fmt.Sprintf("gpcpg-%d", os.Getpid())
	goLoopbackCPG(t, socket)
	onGo, err := cpgGoScenario(socket, "/dev/shm")
	if err != nil {
		t.Fatalf("scenario on our engine: %v\n%s", err, onGo)
	}
	ring := regexp.MustCompile(`(?m)^totem [0-9a-f]+\.[0-9a-f]+ `)
	onC, onGo = ring.ReplaceAllString(onC, "totem RING "), ring.ReplaceAllString(onGo, "totem RING ")
	t.Logf("transcript on C corosync:\n%s", onC)
	if onC != onGo {
		cl, gl := strings.Split(onC, "\n"), strings.Split(onGo, "\n")
		for i := 0; i < max(len(cl), len(gl)); i++ {
			var a, b string
			if i < len(cl) {
				a = cl[i]
			}
			if i < len(gl) {
				b = gl[i]
			}
			if a != b {
				t.Errorf("line %d:\n  C:  %s\n  Go: %s", i+1, a, b)
			}
		}
		t.Fatal("transcripts differ")
	}
}
