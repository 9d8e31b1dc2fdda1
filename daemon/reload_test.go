package daemon

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
)

func nodelistConf(t *testing.T, nodes ...string) *confparse.Config {
	t.Helper()
	text := "totem {\n\tversion: 2\n\tcluster_name: gv\n\ttransport: udpu\n}\nlogging {\n\tto_syslog: no\n}\nnodelist {\n"
	for _, n := range nodes {
		id, addr, _ := strings.Cut(n, "=")
		text += "\tnode {\n\t\tnodeid: " + id + "\n\t\tring0_addr: " + addr + "\n\t}\n"
	}
	text += "}\n"
	c, err := confparse.LoadBytes("corosync.conf", []byte(text), confparse.Options{
		Hostname:   func() (string, error) { return "x", nil },
		LocalAddrs: func() ([]net.IP, error) { return []net.IP{net.ParseIP("10.0.0.1")}, nil },
		StateDirOK: func(string) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runtime.members.N.ip follows the running nodelist: a node a reload
// added prints its address, a node no nodelist names prints nothing
// (totempg_ifaces_print finds no interface for it).
func TestMemberIPFollowsReload(t *testing.T) {
	en := &engines{}
	en.conf.Store(nodelistConf(t, "1=10.0.0.1", "2=10.0.0.2"))
	if got := en.memberIP(2); got != "r(0) ip(10.0.0.2) " {
		t.Errorf("node 2: %q", got)
	}
	if got := en.memberIP(4); got != "" {
		t.Errorf("node 4 before the reload: %q, want nothing", got)
	}
	en.conf.Store(nodelistConf(t, "1=10.0.0.1", "2=10.0.0.2", "4=10.0.0.4"))
	if got := en.memberIP(4); got != "r(0) ip(10.0.0.4) " {
		t.Errorf("node 4 after the reload: %q", got)
	}
}

// A reload logs C's lines for the udpu members it takes away and adds:
// removals first; a nodeid change of one address is a removal and an
// addition; udp logs only the debug lines.
func TestLogMemberChanges(t *testing.T) {
	for _, tc := range []struct {
		transport string
		want      []string
	}{
		{"udpu", []string{
			"debug   [TOTEM ] removing dynamic member 10.0.0.3 for ring 0",
			"notice  [TOTEM ] removing UDPU member {10.0.0.3}",
			"debug   [TOTEM ] removing dynamic member 10.0.0.5 for ring 0",
			"notice  [TOTEM ] removing UDPU member {10.0.0.5}",
			"debug   [TOTEM ] adding dynamic member 10.0.0.4 for ring 0",
			"notice  [TOTEM ] adding new UDPU member {10.0.0.4}",
			"debug   [TOTEM ] adding dynamic member 10.0.0.5 for ring 0",
			"notice  [TOTEM ] adding new UDPU member {10.0.0.5}",
		}},
		{"udp", []string{
			"debug   [TOTEM ] removing dynamic member 10.0.0.3 for ring 0",
			"debug   [TOTEM ] removing dynamic member 10.0.0.5 for ring 0",
			"debug   [TOTEM ] adding dynamic member 10.0.0.4 for ring 0",
			"debug   [TOTEM ] adding dynamic member 10.0.0.5 for ring 0",
		}},
	} {
		var out bytes.Buffer
		logs := logsys.New(logsys.Options{Name: "corosync", Stderr: &out})
		m := icmap.New()
		_ = m.Set("logging.to_stderr", "yes")
		_ = m.Set("logging.to_syslog", "no")
		_ = m.Set("logging.debug", "on")
		if err := logs.Configure(m); err != nil {
			t.Fatal(err)
		}
		en := &engines{d: &Daemon{Logs: logs}}
		old := transportMembers(nodelistConf(t, "1=10.0.0.1", "3=10.0.0.3", "5=10.0.0.5"))
		cur := transportMembers(nodelistConf(t, "1=10.0.0.1", "4=10.0.0.4", "6=10.0.0.5"))
		en.logMemberChanges(tc.transport, old, cur)
		logs.Close()
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			// Drop the timestamp: "Mon DD HH:MM:SS level [SUBSYS] msg".
			if f := strings.SplitN(l, " ", 4); len(f) == 4 {
				got = append(got, f[3])
			}
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: logged\n%s\nwant\n%s", tc.transport, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}
