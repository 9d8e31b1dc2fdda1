//go:build interop

package interop

import (
	"encoding/binary"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/interop/harness"
)

// ringCase is one cluster of TestRingMixed: a transport and the corosync
// each host runs (host i has nodeid i, so impls[0] is the lowest nodeid,
// the representative of every ring it is in).
type ringCase struct {
	name  string
	tr    harness.Transport
	impls []harness.Impl
}

func (rc ringCase) hasGo() bool {
	for _, i := range rc.impls {
		if i == harness.Go {
			return true
		}
	}
	return false
}

const (
	C  = harness.C
	Go = harness.Go
)

var ringCases = []ringCase{
	{"udpu-CCC", harness.UDPU, []harness.Impl{C, C, C}}, // the reference
	{"udpu-CCG", harness.UDPU, []harness.Impl{C, C, Go}},
	{"udpu-GCC", harness.UDPU, []harness.Impl{Go, C, C}},
	{"udpu-CGG", harness.UDPU, []harness.Impl{C, Go, Go}},
	{"udpu-GGC", harness.UDPU, []harness.Impl{Go, Go, C}},
	{"udpu-GGG", harness.UDPU, []harness.Impl{Go, Go, Go}},
	{"udp-CCC", harness.UDP, []harness.Impl{C, C, C}}, // the reference
	{"udp-GCG", harness.UDP, []harness.Impl{Go, C, Go}},
}

// Timers every host of every case runs (one config text per cluster).
const (
	ringToken = 1000 // ms; 3 nodes make it 1650 with the default coefficient
	ringIdle  = 120 * time.Second
	ringLoss  = 60 * time.Second
	lossPct   = 5
)

// tokenPlusConsensus is the bound the acceptance allows after a fault ends
// (besides 2 s): the effective token of 3 nodes and the derived consensus.
func tokenPlusConsensus(nodes int) time.Duration {
	tok := ringToken + 650*(nodes-2)
	return time.Duration(tok)*time.Millisecond + time.Duration(float32(1.2*float64(tok)))*time.Millisecond
}

type ringTimes struct {
	mu   gosync.Mutex
	rows map[string][]string
}

func (r *ringTimes) add(cs, what string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows[cs] = append(r.rows[cs], fmt.Sprintf("%s %v", what, d.Round(time.Millisecond)))
}

// TestRingMixed runs C and Go corosync in one Totem ring: every case is
// its own cluster, all run at once so the idle and loss windows are shared.
func TestRingMixed(t *testing.T) {
	times := &ringTimes{rows: map[string][]string{}}
	start := time.Now()
	cpgload := buildCpgload(t)
	// t.Parallel would run only GOMAXPROCS (2 in CI) clusters at a time;
	// the clusters mostly sleep, so every case gets its own goroutine
	// (t.Run may be called from several at once).
	var wg gosync.WaitGroup
	for _, rc := range ringCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(rc.name, func(t *testing.T) { runRingCase(t, rc, times, cpgload) })
		}()
	}
	wg.Wait()
	names := make([]string, 0, len(times.rows))
	for n := range times.rows {
		names = append(names, n)
	}
	sort.Strings(names)
	bound := tokenPlusConsensus(3) + 2*time.Second
	t.Logf("convergence after each fault (bound token+consensus+2s = %v), wall time %v:", bound, time.Since(start).Round(time.Second))
	for _, n := range names {
		t.Logf("  %-9s %s", n, strings.Join(times.rows[n], ", "))
	}
}

func runRingCase(t *testing.T, rc ringCase, times *ringTimes, cpgload string) {
	c := harness.New(t, len(rc.impls), harness.Config{Transport: rc.tr, Token: ringToken, NamePrefix: "gr"})
	hosts := c.Hosts
	bound := tokenPlusConsensus(len(hosts)) + 2*time.Second

	// Formation.
	t0 := time.Now()
	for i, h := range hosts {
		h.StartCorosync(rc.impls[i])
	}
	ring, formed := waitRing(t, hosts, t0, 60*time.Second)
	times.add(rc.name, "form", formed.Sub(t0))
	checkMembersKeys(t, rc, hosts, func(obs, mem int) int { return 1 })
	checkSrpStats(t, rc, hosts)
	checkRingIDFiles(t, rc, hosts, ring)
	checkSched(t, rc, hosts)
	t.Logf("%s: formed ring %s", rc.name, ring)

	// kill -9 of node 1 (the representative), then its restart.
	h1 := hosts[0]
	killedAt := h1.KillCorosync()
	survivors := hosts[1:]
	_, formed = waitRing(t, survivors, killedAt, 30*time.Second)
	times.add(rc.name, "kill", formed.Sub(killedAt))
	checkBound(t, "kill -9 of node 1", formed.Sub(killedAt), bound)
	// The survivors time out within a millisecond of each other; one that
	// gets the other's JOIN first goes to GATHER without the line, in C
	// as in Go. At least one must have seen the token time out.
	var noticed []string
	for _, h := range survivors {
		if ms := hostMemberships(h); ms[len(ms)-1].Failed {
			noticed = append(noticed, h.Name)
		}
	}
	if len(noticed) == 0 {
		t.Errorf("no survivor logged \"A processor failed, forming new configuration\" before the ring without node 1")
	}
	restartAt := time.Now()
	h1.StartCorosync(rc.impls[0])
	_, formed = waitRing(t, hosts, restartAt, 30*time.Second)
	times.add(rc.name, "restart", formed.Sub(restartAt))
	checkBound(t, "restart of node 1", formed.Sub(restartAt), bound)
	// Node 1 is new to itself; the others saw it join twice.
	checkMembersKeys(t, rc, hosts, func(obs, mem int) int {
		if obs != 1 && mem == 1 {
			return 2
		}
		return 1
	})

	// Partition 1 | 2 3 and heal.
	c.Partition(hosts[:1], hosts[1:])
	partAt := time.Now()
	waitRing(t, hosts[:1], partAt, 30*time.Second)
	waitRing(t, hosts[1:], partAt, 30*time.Second)
	healAt := time.Now()
	c.Heal()
	ring, formed = waitRing(t, hosts, healAt, 30*time.Second)
	times.add(rc.name, "heal", formed.Sub(healAt))
	checkBound(t, "partition heal", formed.Sub(healAt), bound)
	// Each side saw the other leave and join again.
	checkMembersKeys(t, rc, hosts, func(obs, mem int) int {
		switch {
		case obs == mem || (obs != 1 && mem != 1):
			return 1
		case obs == 1:
			return 2
		}
		return 3
	})

	// Idle: nothing may change.
	before := membershipCount(hosts)
	time.Sleep(ringIdle)
	if after := membershipCount(hosts); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("membership changed while idle for %v: memberships logged %v -> %v", ringIdle, before, after)
	}

	// Random loss on one host (a Go one if there is one).
	lossy := hosts[0]
	for i, h := range hosts {
		if rc.impls[i] == harness.Go {
			lossy = h
			break
		}
	}
	before = membershipCount(hosts)
	rxBefore := srpCounter(t, hosts, "stats.srp.mcast_rx")
	retxBefore := srpCounter(t, hosts, "stats.srp.mcast_retx")
	loads := startCpgLoad(t, rc, hosts, ringLoss, cpgload)
	lossy.SetLoss(lossPct)
	time.Sleep(ringLoss)
	drops := lossy.LossDrops()
	lossy.SetLoss(0)
	delivered := finishCpgLoad(t, loads, int(ringLoss/loadInterval))
	rxAfter := srpCounter(t, hosts, "stats.srp.mcast_rx")
	retxAfter := srpCounter(t, hosts, "stats.srp.mcast_retx")
	// totempg packs several cpg messages into one MCAST, so every host
	// counts about the same MCASTs, whatever it runs.
	var retx, rxMax uint64
	for _, h := range hosts {
		retx += retxAfter[h.Name] - retxBefore[h.Name]
		rxMax = max(rxMax, rxAfter[h.Name]-rxBefore[h.Name])
	}
	for i, h := range hosts {
		if got := rxAfter[h.Name] - rxBefore[h.Name]; delivered > 0 && got < rxMax*8/10 {
			t.Errorf("%s (%v): stats.srp.mcast_rx grew by %d, another host's by %d", h.Name, rc.impls[i], got, rxMax)
		}
	}
	if delivered > 0 && retx == 0 {
		t.Errorf("%d messages under %d%% loss and no retransmission counted", delivered, lossPct)
	}
	t.Logf("%s: %d cpg messages delivered on every host, %d retransmissions", rc.name, delivered, retx)
	if after := membershipCount(hosts); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("membership changed under %d%% loss on %s: memberships logged %v -> %v", lossPct, lossy.Name, before, after)
	}
	if drops == 0 {
		t.Errorf("the %d%% loss rule on %s dropped nothing", lossPct, lossy.Name)
	}
	last, _ := waitRing(t, hosts, time.Time{}, 10*time.Second)
	if last != ring {
		t.Errorf("ring %s after idle and loss, want still %s", last, ring)
	}
	t.Logf("%s: %d packets dropped on %s, ring %s kept", rc.name, drops, lossy.Name, ring)

	// A clean stop sends LEAVE: the others re-form at once, without a
	// token timeout, and list the node as left.
	h3 := hosts[2]
	stopAt := time.Now()
	h3.StopCorosync()
	_, formed = waitRing(t, hosts[:2], stopAt, 30*time.Second)
	times.add(rc.name, "leave", formed.Sub(stopAt))
	if d := formed.Sub(stopAt); d > tokenPlusConsensus(len(hosts))/2 {
		t.Errorf("ring re-formed %v after node 3 stopped: the LEAVE message was not acted on", d.Round(time.Millisecond))
	}
	for i, h := range hosts[:2] {
		if ms := hostMemberships(h); ms[len(ms)-1].Failed {
			t.Errorf("%s (%v): token timed out although node 3 sent LEAVE", h.Name, rc.impls[i])
		}
		r := h.RunT("corosync-cmapctl", "-g", "runtime.members.3.status")
		if !strings.Contains(r.Stdout, "= left") {
			t.Errorf("%s (%v): runtime.members.3.status after LEAVE: %s", h.Name, rc.impls[i], r)
		}
	}
}

func checkBound(t *testing.T, what string, got, bound time.Duration) {
	t.Helper()
	if got > bound {
		t.Errorf("%s: converged after %v, more than token+consensus+2s = %v", what, got.Round(time.Millisecond), bound)
	}
}

var cmapMemberRE = regexp.MustCompile(`(?m)^runtime\.members\.(\d+)\.(ip|join_count|status) \((\w+)\) = (.*)$`)

// checkMembersKeys reads runtime.members with Debian's corosync-cmapctl on
// every C host: each node is listed with its address, joined, and with
// the join count its history gives. Go hosts are asked too: their cmap
// service serves the same keys.
func checkMembersKeys(t *testing.T, rc ringCase, hosts []*harness.Host, joinCount func(observer, member int) int) {
	t.Helper()
	for i, h := range hosts {
		r := h.RunT("corosync-cmapctl", "runtime.members")
		if r.ExitCode != 0 {
			t.Errorf("%s (%v): corosync-cmapctl runtime.members: %s", h.Name, rc.impls[i], r)
			continue
		}
		got := map[string]string{}
		for _, m := range cmapMemberRE.FindAllStringSubmatch(r.Stdout, -1) {
			got[m[1]+"."+m[2]] = m[3] + " " + m[4]
		}
		for _, o := range hosts {
			want := map[string]string{
				"ip":         fmt.Sprintf("str r(0) ip(%s) ", o.Addr),
				"status":     "str joined",
				"join_count": fmt.Sprintf("u32 %d", joinCount(h.NodeID, o.NodeID)),
			}
			for k, v := range want {
				key := fmt.Sprintf("%d.%s", o.NodeID, k)
				if got[key] != v {
					t.Errorf("%s (%v): runtime.members.%s = %q, want %q\n%s", h.Name, rc.impls[i], key, got[key], v, r.Stdout)
				}
			}
		}
	}
}

var cmapStatRE = regexp.MustCompile(`(?m)^(stats\.srp\.\w+) \((\w+)\) = (\d+)$`)

// checkSrpStats lists stats.srp.* with corosync-cmapctl -m stats on every
// host: each must have the keys and types a C host of the same cluster has
// (C's set if there is no C host), and count tokens and the operational
// entries of the rings it went through.
func checkSrpStats(t *testing.T, rc ringCase, hosts []*harness.Host) {
	t.Helper()
	type stat struct {
		typ string
		v   uint64
	}
	sets := make([]map[string]stat, len(hosts))
	for i, h := range hosts {
		r := h.RunT("corosync-cmapctl", "-m", "stats", "stats.srp.")
		sets[i] = map[string]stat{}
		for _, m := range cmapStatRE.FindAllStringSubmatch(r.Stdout, -1) {
			v, _ := strconv.ParseUint(m[3], 10, 64)
			sets[i][m[1]] = stat{m[2], v}
		}
		if r.ExitCode != 0 || len(sets[i]) == 0 {
			t.Errorf("%s (%v): corosync-cmapctl -m stats stats.srp.: %s", h.Name, rc.impls[i], r)
		}
	}
	ref := cSrpStatKeys
	for i := range hosts {
		if rc.impls[i] == harness.C && len(sets[i]) > 0 {
			ref = map[string]string{}
			for k, s := range sets[i] {
				ref[k] = s.typ
			}
			break
		}
	}
	for i, h := range hosts {
		for k, typ := range ref {
			if s, ok := sets[i][k]; !ok || s.typ != typ {
				t.Errorf("%s (%v): %s is %+v, want type %s", h.Name, rc.impls[i], k, s, typ)
			}
		}
		if len(sets[i]) != len(ref) {
			t.Errorf("%s (%v): %d stats.srp keys, C has %d", h.Name, rc.impls[i], len(sets[i]), len(ref))
		}
		if sets[i]["stats.srp.orf_token_rx"].v == 0 || sets[i]["stats.srp.operational_entered"].v == 0 {
			t.Errorf("%s (%v): no token or operational state counted: %+v", h.Name, rc.impls[i], sets[i])
		}
	}
}

// cSrpStatKeys is what Debian's corosync 3.1.7 lists under stats.srp.
var cSrpStatKeys = map[string]string{
	"stats.srp.avg_backlog_calc": "u32", "stats.srp.avg_token_workload": "u32",
	"stats.srp.commit_entered": "u64", "stats.srp.commit_token_lost": "u64",
	"stats.srp.consensus_timeouts": "u64", "stats.srp.continuous_gather": "u32",
	"stats.srp.continuous_sendmsg_failures": "u32", "stats.srp.firewall_enabled_or_nic_failure": "u8",
	"stats.srp.gather_entered": "u64", "stats.srp.gather_token_lost": "u64",
	"stats.srp.mcast_retx": "u64", "stats.srp.mcast_rx": "u64", "stats.srp.mcast_tx": "u64",
	"stats.srp.memb_commit_token_rx": "u64", "stats.srp.memb_commit_token_tx": "u64",
	"stats.srp.memb_join_rx": "u64", "stats.srp.memb_join_tx": "u64",
	"stats.srp.memb_merge_detect_rx": "u64", "stats.srp.memb_merge_detect_tx": "u64",
	"stats.srp.mtt_rx_token": "u32", "stats.srp.operational_entered": "u64",
	"stats.srp.operational_token_lost": "u64", "stats.srp.orf_token_rx": "u64",
	"stats.srp.orf_token_tx": "u64", "stats.srp.recovery_entered": "u64",
	"stats.srp.recovery_token_lost": "u64", "stats.srp.rx_msg_dropped": "u64",
	"stats.srp.time_since_token_last_received": "u64", "stats.srp.token_hold_cancel_rx": "u64",
	"stats.srp.token_hold_cancel_tx": "u64",
}

// checkRingIDFiles reads every host's /var/lib/corosync/ringid_<nodeid>:
// C's format is the ring seq as 8 bytes in host order, mode 0600 (Debian 3.1.7 measured), and it
// holds the seq of the ring the host is in.
func checkRingIDFiles(t *testing.T, rc ringCase, hosts []*harness.Host, ring string) {
	t.Helper()
	seq, err := strconv.ParseUint(ring[strings.IndexByte(ring, '.')+1:], 16, 64)
	if err != nil {
		t.Fatalf("ring id %q: %v", ring, err)
	}
	for i, h := range hosts {
		p := h.Path("lib", fmt.Sprintf("ringid_%d", h.NodeID))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s (%v): %v", h.Name, rc.impls[i], err)
			continue
		}
		st, _ := os.Stat(p)
		if len(b) != 8 || binary.LittleEndian.Uint64(b) != seq || st.Mode().Perm() != 0o600 {
			t.Errorf("%s (%v): ringid file %x mode %v, want seq %x as 8 bytes, mode 0600", h.Name, rc.impls[i], b, st.Mode().Perm(), seq)
		}
	}
}

// checkSched: Debian's corosync runs every thread SCHED_RR at priority 99
// (system.sched_rr defaults to yes), which keeps the token on time when
// the host is loaded; ours must too.
func checkSched(t *testing.T, rc ringCase, hosts []*harness.Host) {
	t.Helper()
	for i, h := range hosts {
		pid := h.Corosync().Pid
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			t.Errorf("%s (%v): %v", h.Name, rc.impls[i], err)
			continue
		}
		for _, task := range tasks {
			tid, _ := strconv.Atoi(task.Name())
			a, err := unix.SchedGetAttr(tid, 0)
			if err == nil && (a.Policy != unix.SCHED_RR || a.Priority != 99) {
				t.Errorf("%s (%v): thread %d has policy %d priority %d, want SCHED_RR 99", h.Name, rc.impls[i], tid, a.Policy, a.Priority)
			}
		}
	}
}
