// Command cpgbench measures CPG agreed multicast through 3-node udpu rings
// of Debian's C corosync, our Go corosync, and a mix ({C, C, Go}), in one
// run, with one client program for all: a small C helper built at run time
// against Debian's libcpg (csrc/helper.c). Each cell (ring, message size,
// one or three senders) runs for a fixed time and stops by itself. It
// reports delivered messages/s and MB/s (mean over the three nodes, counted
// at delivery), self-delivery latency p50/p99, the daemons' largest RSS and
// their CPU seconds, then the Go/C ratios.
//
// It builds network namespaces with interop/harness, so it needs root, and
// bin/corosync (make build). Run it with `make bench-cpg`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

type ringSpec struct {
	name  string
	impls []harness.Impl
}

var allRings = []ringSpec{
	{"C", []harness.Impl{harness.C, harness.C, harness.C}},
	{"Go", []harness.Impl{harness.Go, harness.Go, harness.Go}},
	// The Go node is node 3, the one sender of the single-sender cells, so
	// those cells time a Go daemon's path from libcpg to the ring and back.
	{"mixed", []harness.Impl{harness.C, harness.C, harness.Go}},
}

type cellSpec struct{ size, senders int }

func main() {
	dur := flag.Duration("duration", 3*time.Second, "sending time of each cell")
	sizesFlag := flag.String("sizes", "100,1024,10240", "message sizes in bytes (each >= 16)")
	ringsFlag := flag.String("rings", "C,Go,mixed", "rings to run: C, Go, mixed")
	out := flag.String("o", "", "also write the Markdown table to this file")
	repeat := flag.Int("repeat", 1, "run every ring this many times, interleaved, and report each cell's median run by msgs/s (load on a shared machine drifts)")
	sendersFlag := flag.String("senders", "1,3", "sender counts to run: 1 (the last node), 3 (every node)")
	perfDir := flag.String("perf", "", "record `perf` profiles of every daemon (C and Go), one per cell, into this directory")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	if os.Geteuid() != 0 {
		log.Fatal("cpgbench needs root (network namespaces)")
	}
	var senders []int
	for _, s := range strings.Split(*sendersFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || (n != 1 && n != 3) {
			log.Fatalf("bad sender count %q: want 1 or 3", s)
		}
		senders = append(senders, n)
	}
	var cells []cellSpec
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 16 || n > 1<<20 {
			log.Fatalf("bad size %q: want 16..1048576", s)
		}
		for _, k := range senders {
			cells = append(cells, cellSpec{n, k})
		}
	}
	var rings []ringSpec
	for _, name := range strings.Split(*ringsFlag, ",") {
		found := false
		for _, r := range allRings {
			if r.name == strings.TrimSpace(name) {
				rings = append(rings, r)
				found = true
			}
		}
		if !found {
			log.Fatalf("unknown ring %q", name)
		}
	}
	if _, err := harness.GoBinary(); err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	helper, cleanHelper, err := buildHelper()
	if err != nil {
		log.Fatal(err)
	}
	defer cleanHelper()

	load0 := loadavg()
	t0 := time.Now()
	var results []Result
	var failures []string
	if *repeat < 1 {
		log.Fatalf("-repeat %d: want at least 1", *repeat)
	}
reps:
	for rep := 0; rep < *repeat; rep++ {
		for _, rs := range rings {
			res, err := runRing(ctx, rs, helper, cells, *dur, *perfDir)
			results = append(results, res...)
			if err != nil {
				failures = append(failures, fmt.Sprintf("ring %s: %v", rs.name, err))
			}
			if ctx.Err() != nil {
				break reps
			}
		}
	}
	table := Table(Median(results))
	host, _ := os.Hostname()
	note := fmt.Sprintf("%d cells of %v each (%d run(s) of every cell, median by msgs/s), %s, %s; load average before %s, after %s; total %v",
		len(results), *dur, *repeat, host, cpuModel(), load0, loadavg(), time.Since(t0).Round(time.Second))
	fmt.Println()
	fmt.Print(table)
	fmt.Println()
	fmt.Println(note)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(table+"\n"+note+"\n"), 0o644); err != nil {
			log.Print(err)
		}
	}
	if len(failures) > 0 || ctx.Err() != nil {
		for _, f := range failures {
			log.Print(f)
		}
		cleanHelper()
		os.Exit(1)
	}
}

// runRing builds one 3-node cluster, runs every cell on it and tears it
// down. The results of the cells that finished are returned even when a
// later one fails.
func runRing(ctx context.Context, rs ringSpec, helper string, cells []cellSpec, dur time.Duration, perfDir string) (res []Result, err error) {
	r := &runner{name: "cpgbench-" + rs.name}
	defer r.cleanup()
	defer func() {
		if p := recover(); p != nil {
			f, ok := p.(fatal)
			if !ok {
				panic(p)
			}
			err = errors.New(f.msg)
		}
	}()
	c := harness.New(r, len(rs.impls), harness.Config{Transport: harness.UDPU})
	for i, h := range c.Hosts {
		h.StartCorosync(rs.impls[i])
	}
	conv := c.WaitQuorate(time.Now(), c.Hosts, len(c.Hosts), 60*time.Second)
	log.Printf("ring %s: %s formed in %v", rs.name, conv.RingID, conv.Elapsed.Round(time.Millisecond))
	// The daemons' CPU use with no client traffic is the floor under every
	// cell's CPU figure (token rotation, timers, runtime).
	if idle, err := idleCPU(c, 2*time.Second); err == nil {
		log.Printf("ring %s: idle daemons used %.2f CPU s in 2 s (all three together)", rs.name, idle)
	}
	for i, cs := range cells {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		out, err := runCell(ctx, c, helper, fmt.Sprintf("cpgbench%d", i), cs, dur, rs.impls, perfDir)
		out.Ring = rs.name
		if err != nil {
			// Marks the run failed, so the harness's teardown prints the
			// tail of every daemon's log. The ring itself is usually fine
			// (a client lost), so the other cells still run.
			r.Errorf("ring %s, %d B, %d senders: %v", rs.name, cs.size, cs.senders, err)
			out.Err = err.Error()
			res = append(res, out)
			continue
		}
		log.Printf("ring %s, %d B, %d senders: %.0f msgs/s, %.2f MB/s, p50 %v, p99 %v, RSS %d KiB, CPU %.2f s, %.2f context switches/delivery, %d TRY_AGAIN, sent per node %v",
			rs.name, cs.size, cs.senders, out.MsgsPerSec, out.MBPerSec, out.P50, out.P99, out.RSSMaxKB, out.CPUSec, out.CtxPerMsg, out.Retries, out.Sent)
		res = append(res, out)
	}
	if r.Failed() {
		return res, errors.New("harness reported errors (see log)")
	}
	return res, nil
}

func idleCPU(c *harness.Cluster, d time.Duration) (float64, error) {
	var pids []int
	for _, h := range c.Hosts {
		pids = append(pids, h.Corosync().Pid)
	}
	a, err := sumCPU(pids)
	if err != nil {
		return 0, err
	}
	time.Sleep(d)
	b, err := sumCPU(pids)
	return b - a, err
}
