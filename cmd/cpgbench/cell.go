package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

//go:embed csrc/helper.c
var helperSource []byte

// buildHelper compiles csrc/helper.c against Debian's libcpg into a
// directory every namespace's processes can read.
func buildHelper() (string, func(), error) {
	dir, err := os.MkdirTemp("", "cpgbench-")
	if err != nil {
		return "", nil, err
	}
	clean := func() { os.RemoveAll(dir) }
	if err := os.Chmod(dir, 0o755); err != nil {
		clean()
		return "", nil, err
	}
	src, bin := filepath.Join(dir, "helper.c"), filepath.Join(dir, "cpgbench-helper")
	if err := os.WriteFile(src, helperSource, 0o644); err != nil {
		clean()
		return "", nil, err
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libcpg").Output()
	if err != nil {
		clean()
		return "", nil, fmt.Errorf("pkg-config libcpg (libcpg-dev is required): %w", err)
	}
	args := append([]string{"-O2", "-Wall", "-Werror", "-o", bin, src}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		clean()
		return "", nil, fmt.Errorf("gcc: %v\n%s", err, out)
	}
	return bin, clean, nil
}

// helperResult is what one helper printed.
type helperResult struct {
	delivered, bytes uint64
	window           time.Duration // first to last data delivery
	sent, retries    uint64
	lat              []time.Duration
}

// parseHelper reads the helper's "RESULT ..." line and latency lines.
func parseHelper(out []byte) (helperResult, error) {
	var hr helperResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	if !sc.Scan() {
		return hr, fmt.Errorf("helper printed nothing")
	}
	f := strings.Fields(sc.Text())
	if len(f) != 8 || f[0] != "RESULT" {
		return hr, fmt.Errorf("helper: bad result line %q", sc.Text())
	}
	var v [7]int64
	for i := range v {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil || n < 0 {
			return hr, fmt.Errorf("helper: bad field %d in %q", i+1, sc.Text())
		}
		v[i] = n
	}
	hr.delivered, hr.bytes = uint64(v[0]), uint64(v[1])
	hr.window = time.Duration(v[3] - v[2])
	hr.sent, hr.retries = uint64(v[4]), uint64(v[5])
	for sc.Scan() {
		n, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			return hr, fmt.Errorf("helper: bad latency %q", sc.Text())
		}
		hr.lat = append(hr.lat, time.Duration(n))
	}
	if err := sc.Err(); err != nil {
		return hr, err
	}
	if int64(len(hr.lat)) != v[6] {
		return hr, fmt.Errorf("helper: %d latencies, announced %d", len(hr.lat), v[6])
	}
	return hr, nil
}

// runCell runs the helper on every host of c: the last host sends (or all
// do when cs.senders is 3), all receive. RSS is sampled every 50 ms.
func runCell(ctx context.Context, c *harness.Cluster, helper, group string, cs cellSpec, dur time.Duration, impls []harness.Impl, perfDir string) (Result, error) {
	res := Result{Size: cs.size, Senders: cs.senders}
	var pids []int
	for _, h := range c.Hosts {
		d := h.Corosync()
		if d == nil || d.Exited() {
			return res, fmt.Errorf("corosync on %s is not running", h.Name)
		}
		pids = append(pids, d.Pid)
	}
	cpu0, err := sumCPU(pids)
	if err != nil {
		return res, err
	}
	cs0 := sumCtxSwitches(pids)
	stopSampler := make(chan struct{})
	var rssMax int64
	var wgS sync.WaitGroup
	wgS.Add(1)
	go func() {
		defer wgS.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, p := range pids {
				if kb, err := rssKB(p); err == nil {
					rssMax = max(rssMax, kb)
				}
			}
			select {
			case <-stopSampler:
				return
			case <-tick.C:
			}
		}
	}()

	if perfDir != "" {
		for i, h := range c.Hosts {
			// perf runs in the root namespaces; the daemon's PID is global.
			// C daemons are recorded too: the profiles are read side by side.
			out := filepath.Join(perfDir, fmt.Sprintf("%s-%d-%d-%s-%s.data", group, cs.size, cs.senders, h.Name, impls[i]))
			pc := exec.CommandContext(ctx, "perf", "record", "-F", "499", "-g", "-o", out, "-p", strconv.Itoa(pids[i]),
				"--", "sleep", strconv.FormatFloat(dur.Seconds(), 'f', 1, 64))
			if err := pc.Start(); err != nil {
				return res, fmt.Errorf("perf: %w", err)
			}
			defer pc.Wait()
		}
	}
	cctx, cancel := context.WithTimeout(ctx, dur+30*time.Second)
	defer cancel()
	type run struct {
		cmd       *exec.Cmd
		out, errb bytes.Buffer
		sender    bool
	}
	runs := make([]*run, len(c.Hosts))
	for i, h := range c.Hosts {
		sender := cs.senders == len(c.Hosts) || i == len(c.Hosts)-1
		rn := &run{sender: sender}
		s := "0"
		if sender {
			s = "1"
		}
		rn.cmd = h.Command(cctx, helper, group, strconv.Itoa(cs.size), strconv.Itoa(int(dur/time.Millisecond)),
			strconv.Itoa(len(c.Hosts)), strconv.Itoa(cs.senders), s)
		rn.cmd.Stdout, rn.cmd.Stderr = &rn.out, &rn.errb
		if err := rn.cmd.Start(); err != nil {
			cancel()
			for _, p := range runs[:i] {
				p.cmd.Wait()
			}
			close(stopSampler)
			wgS.Wait()
			return res, err
		}
		runs[i] = rn
		if perfDir != "" && i == len(c.Hosts)-1 {
			// The last host's helper always sends: its profile shows where
			// a sender's time goes (libcpg, libqb, waiting).
			out := filepath.Join(perfDir, fmt.Sprintf("%s-%d-%d-helper-%s.data", group, cs.size, cs.senders, impls[i]))
			pc := exec.CommandContext(ctx, "perf", "record", "-F", "999", "-g", "-o", out, "-p", strconv.Itoa(rn.cmd.Process.Pid),
				"--", "sleep", strconv.FormatFloat(dur.Seconds(), 'f', 1, 64))
			if err := pc.Start(); err == nil {
				defer pc.Wait()
			}
		}
	}
	var errs []string
	hrs := make([]helperResult, len(runs))
	for i, rn := range runs {
		if err := rn.cmd.Wait(); err != nil {
			errs = append(errs, fmt.Sprintf("helper on %s: %v: %s", c.Hosts[i].Name, err, strings.TrimSpace(rn.errb.String())))
			continue
		}
		hr, err := parseHelper(rn.out.Bytes())
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", c.Hosts[i].Name, err))
		}
		hrs[i] = hr
	}
	close(stopSampler)
	wgS.Wait()
	cpu1, err := sumCPU(pids)
	if err != nil {
		errs = append(errs, err.Error())
	}
	res.CtxSwitches = sumCtxSwitches(pids) - cs0
	if len(errs) > 0 {
		return res, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return summarize(res, hrs, rssMax, cpu1-cpu0)
}

// summarize turns the helpers' reports into a Result and checks that every
// node delivered every message sent (agreed delivery loses nothing on a
// stable ring, so a shortfall is a bug, not noise).
func summarize(res Result, hrs []helperResult, rssMax int64, cpu float64) (Result, error) {
	var sent uint64
	var lat []time.Duration
	for _, hr := range hrs {
		sent += hr.sent
		res.Sent = append(res.Sent, hr.sent)
		lat = append(lat, hr.lat...)
	}
	var short []string
	for i, hr := range hrs {
		if hr.delivered != sent {
			short = append(short, fmt.Sprintf("node%d delivered %d", i+1, hr.delivered))
		}
	}
	if len(short) > 0 {
		return res, fmt.Errorf("%d messages sent, %s", sent, strings.Join(short, ", "))
	}
	var rate, mb float64
	for i, hr := range hrs {
		if hr.window <= 0 {
			return res, fmt.Errorf("node %d: no delivery window (%d messages)", i+1, hr.delivered)
		}
		s := hr.window.Seconds()
		rate += float64(hr.delivered) / s
		mb += float64(hr.bytes) / s / 1e6
	}
	res.MsgsPerSec = rate / float64(len(hrs))
	res.MBPerSec = mb / float64(len(hrs))
	res.P50 = Percentile(lat, 50)
	res.P99 = Percentile(lat, 99)
	res.RSSMaxKB = rssMax
	res.CPUSec = cpu
	var deliveries uint64
	for _, hr := range hrs {
		res.Retries += hr.retries
		deliveries += hr.delivered
	}
	if deliveries > 0 {
		res.CPUPerMsg = time.Duration(cpu / float64(deliveries) * float64(time.Second))
		res.CtxPerMsg = float64(res.CtxSwitches) / float64(deliveries)
	}
	return res, nil
}

func sumCPU(pids []int) (float64, error) {
	var s float64
	for _, p := range pids {
		v, err := cpuSeconds(p)
		if err != nil {
			return 0, err
		}
		s += v
	}
	return s, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	n := 0
	model := "?"
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "processor") {
			n++
		}
		if v, ok := strings.CutPrefix(l, "model name"); ok && model == "?" {
			model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return fmt.Sprintf("%d× %s", n, model)
}
