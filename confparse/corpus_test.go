package confparse

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// The environment testdata/mkgolden.sh gives Debian's corosync when it
// writes the goldens, injected here so the comparison runs without root.
const (
	goldenHostname = "gcphost"
	goldenConfPath = "/etc/corosync/corosync.conf"
	goldenAuthkey  = "/etc/corosync/authkey"
)

// Users and groups of the machine the goldens were made on (Debian 12 with
// pacemaker installed), for the uidgid files that name them.
var goldenUsers = map[string]uint32{"root": 0, "hacluster": 102}
var goldenGroups = map[string]uint32{"root": 0, "haclient": 105}

// Directories that exist (and are writable) in the golden environment.
var goldenLogDirs = map[string]bool{"/var/log/corosync": true, "/var/log": true, "/tmp": true}

// daemonOnlyKey reports cmap keys that the running C daemon creates after
// config loading, which Load (like `corosync -t`) does not produce:
//   - internal_configuration.*: service engine table (main.c service load)
//   - runtime.services.*, runtime.connections.*: exec/IPC counters
//   - runtime.members.*: membership (main.c on each configuration change)
//   - runtime.votequorum.*: votequorum's live state
//   - runtime.blackbox.*, runtime.force_gather: triggers main.c creates
//   - resources.system.* and resources.process.* current/last_updated/state
//     and load_15min: the mon service's readings; it also rewrites every
//     poll_period with its own default (3000) even when the config set one
//     (seen with all-sections.conf: config 10000, daemon 3000)
//   - resources.watchdog_timeout when not configured: the wd service's
//     default
//   - config.reload*, config.totemconfig_reload_in_progress: cfg reload
func daemonOnlyKey(name string, ours map[string]bool) bool {
	for _, p := range []string{"internal_configuration.", "runtime.services.", "runtime.connections.",
		"runtime.members.", "runtime.votequorum.", "runtime.blackbox.", "config.reload",
		"config.totemconfig_reload_in_progress", "resources.system.load_15min."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	if name == "runtime.force_gather" {
		return true
	}
	if strings.HasPrefix(name, "resources.system.") || strings.HasPrefix(name, "resources.process.") {
		for _, s := range []string{".current", ".last_updated", ".state"} {
			if strings.HasSuffix(name, s) {
				return true
			}
		}
		if strings.HasSuffix(name, ".poll_period") {
			return true
		}
	}
	if name == "resources.watchdog_timeout" && !ours[name] {
		return true
	}
	return false
}

// knownTextDiffs are files where C's status is matched but its message is
// deliberately not.
var knownTextDiffs = map[string]string{
	// C overruns member_list[384] into interface 1 and then reports the
	// garbage it finds there; we refuse with the actual reason.
	"quirk-400-nodes": "parse error in config: more than 384 nodes on link 0",
}

type golden struct {
	status   int
	errLine  string
	warnings []string
	daemon   string
	cmap     []string
}

func readGolden(t *testing.T, path string) *golden {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g := &golden{}
	inCmap := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if inCmap {
			g.cmap = append(g.cmap, line)
			continue
		}
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "status":
			fmt.Sscanf(v, "%d", &g.status)
		case "error":
			g.errLine = v
		case "warning":
			g.warnings = append(g.warnings, v)
		case "daemon":
			g.daemon = v
		case "cmap:":
			inCmap = true
		}
		if line == "cmap:" {
			inCmap = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return g
}

// goldenEnv builds the Options matching mkgolden.sh's namespace for a file.
func goldenEnv(conf, data string) Options {
	var v4, v6 []net.IP
	hosts := []struct {
		ip    net.IP
		names []string
	}{
		{net.ParseIP("127.0.0.1"), []string{"localhost"}},
		{net.ParseIP("::1"), []string{"localhost", "ip6-localhost", "ip6-loopback"}},
	}
	locals := "10.77.0.1"
	hostname := goldenHostname
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimRight(line, "\r")
		if s, ok := strings.CutPrefix(line, "# gcp-hostname:"); ok {
			hostname = strings.TrimSpace(s)
		}
		if s, ok := strings.CutPrefix(line, "# gcp-local:"); ok {
			locals = s
		}
		if s, ok := strings.CutPrefix(line, "# gcp-hosts:"); ok {
			fs := strings.Fields(s)
			hosts = append(hosts, struct {
				ip    net.IP
				names []string
			}{net.ParseIP(fs[0]), fs[1:]})
		}
	}
	for _, a := range strings.Fields(locals) {
		ip := net.ParseIP(a)
		if ip.To4() != nil {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	// getifaddrs lists IPv4 addresses (lo first) before IPv6 ones.
	addrs := append([]net.IP{net.ParseIP("127.0.0.1")}, v4...)
	addrs = append(addrs, net.ParseIP("::1"))
	addrs = append(addrs, v6...)

	base := strings.TrimSuffix(conf, ".conf")
	return Options{
		Hostname:   func() (string, error) { return hostname, nil },
		LocalAddrs: func() ([]net.IP, error) { return addrs, nil },
		Resolve: func(host string) ([]net.IP, error) {
			var out []net.IP
			for _, h := range hosts {
				for _, n := range h.names {
					if n == host {
						out = append(out, h.ip)
					}
				}
			}
			if len(out) == 0 {
				return nil, errors.New("no such host")
			}
			return out, nil
		},
		ReverseLookup: func(ip net.IP) (string, error) {
			for _, h := range hosts {
				if h.ip.Equal(ip) {
					return h.names[0], nil
				}
			}
			return "", errors.New("no name")
		},
		UIDGIDDir: base + ".uidgid.d",
		LookupUser: func(n string) (uint32, error) {
			if id, ok := goldenUsers[n]; ok {
				return id, nil
			}
			return 0, errors.New("unknown user")
		},
		LookupGroup: func(n string) (uint32, error) {
			if id, ok := goldenGroups[n]; ok {
				return id, nil
			}
			return 0, errors.New("unknown group")
		},
		ReadFile: func(p string) ([]byte, error) {
			if p == goldenAuthkey {
				if b, err := os.ReadFile(base + ".authkey"); err == nil {
					return b, nil
				}
			}
			return nil, syscall.ENOENT
		},
		StateDirOK: func(dir string) error {
			if dir == "/var/lib/corosync" {
				return nil
			}
			return syscall.ENOENT
		},
		OpenLogFile: func(p string) (int, error) {
			if goldenLogDirs[filepath.Dir(p)] {
				return 0, nil
			}
			return int(syscall.ENOENT), strerror(syscall.ENOENT)
		},
	}
}

// cmapLine prints a key as corosync-cmapctl does.
func cmapLine(k Key) string {
	switch v := k.Value.(type) {
	case float32:
		return fmt.Sprintf("%s (%s) = %f", k.Name, k.Type, v)
	case float64:
		return fmt.Sprintf("%s (%s) = %f", k.Name, k.Type, v)
	}
	return fmt.Sprintf("%s (%s) = %v", k.Name, k.Type, k.Value)
}

func TestCorpusAgainstC(t *testing.T) {
	// CONFPARSE_CORPUS / CONFPARSE_GOLDEN point the comparison at another
	// corpus (e.g. generated mutants with goldens from mkgolden.sh).
	corpusDir, goldenDir := "testdata/corpus", "testdata/golden"
	if d := os.Getenv("CONFPARSE_CORPUS"); d != "" {
		corpusDir, goldenDir = d, os.Getenv("CONFPARSE_GOLDEN")
	}
	confs, err := filepath.Glob(filepath.Join(corpusDir, "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if corpusDir == "testdata/corpus" && len(confs) < 40 {
		t.Fatalf("corpus has %d files, want at least 40", len(confs))
	}
	accepted, compared := 0, 0
	for _, conf := range confs {
		name := strings.TrimSuffix(filepath.Base(conf), ".conf")
		t.Run(name, func(t *testing.T) {
			gpath := filepath.Join(goldenDir, name+".txt")
			if _, err := os.Stat(gpath); err != nil {
				t.Fatalf("no golden for %s: run testdata/mkgolden.sh", conf)
			}
			g := readGolden(t, gpath)
			raw, err := os.ReadFile(conf)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadBytes(goldenConfPath, raw, goldenEnv(conf, string(raw)))
			status := 0
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error of type %T: %v", err, err)
				}
				status = e.Status
			}
			if (status == 0) != (g.status == 0) {
				t.Fatalf("C exits %d (%q), we give status %d (err %v)", g.status, g.errLine, status, err)
			}
			if status != g.status {
				t.Errorf("exit status: C %d, ours %d", g.status, status)
			}
			if err != nil {
				var e *Error
				errors.As(err, &e)
				// C logs the load warnings before a late error.
				if len(g.warnings) > 0 && strings.Join(g.warnings, "\n") != strings.Join(e.Warnings, "\n") {
					t.Errorf("warnings before the error:\n C: %q\ngo: %q", g.warnings, e.Warnings)
				}
				// uidgid.d file names are C's /etc/corosync/uidgid.d/...
				msg := strings.ReplaceAll(err.Error(), strings.TrimSuffix(conf, ".conf")+".uidgid.d", "/etc/corosync/uidgid.d")
				if g.status == statusAbort || g.status == statusSegv {
					return // C died; what it printed (if anything) is libc's
				}
				if want, ok := knownTextDiffs[name]; ok {
					if msg != want {
						t.Errorf("error text: want %q, got %q", want, msg)
					}
					return
				}
				if g.errLine != "" && strings.TrimSpace(msg) != strings.TrimSpace(g.errLine) {
					t.Errorf("error text:\n C: %s\ngo: %s", g.errLine, msg)
				}
				return
			}
			accepted++
			// The logging section's own warnings (obsolete to_file,
			// syslog_level) are logged before C's stderr target exists, so
			// `corosync -t` never prints them: compare the others.
			var ws []string
			for _, w := range cfg.Warnings {
				if !strings.HasPrefix(w, "Warning: the ") {
					ws = append(ws, w)
				}
			}
			if len(g.warnings) > 0 || !strings.Contains(string(raw), "to_stderr") {
				if strings.Join(g.warnings, "\n") != strings.Join(ws, "\n") {
					t.Errorf("warnings:\n C: %q\ngo: %q", g.warnings, ws)
				}
			}
			if g.daemon != "ok" {
				return
			}
			compared++
			ours := map[string]bool{}
			var got []string
			for _, k := range cfg.Keys {
				ours[k.Name] = true
			}
			for _, k := range cfg.Keys {
				// The daemon rewrites or drops the keys it owns, so ours
				// are only compared where it leaves the config's value.
				if !daemonOnlyKey(k.Name, ours) {
					got = append(got, cmapLine(k))
				}
			}
			var want []string
			for _, line := range g.cmap {
				n, _, _ := strings.Cut(line, " (")
				if !daemonOnlyKey(n, ours) {
					want = append(want, line)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			diffLines(t, want, got)
		})
	}
	t.Logf("%d files, %d accepted, %d compared with a C daemon's cmap", len(confs), accepted, compared)
}

func diffLines(t *testing.T, want, got []string) {
	t.Helper()
	w := map[string]bool{}
	for _, l := range want {
		w[l] = true
	}
	g := map[string]bool{}
	for _, l := range got {
		g[l] = true
	}
	for _, l := range want {
		if !g[l] {
			t.Errorf("missing: %s", l)
		}
	}
	for _, l := range got {
		if !w[l] {
			t.Errorf("extra:   %s", l)
		}
	}
}
