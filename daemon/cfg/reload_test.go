package cfg

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/wire"
)

const baseConf = `totem {
	version: 2
	cluster_name: gf
	transport: udpu
	token: 1000
}
logging {
	to_syslog: no
	to_stderr: no
}
quorum {
	provider: corosync_votequorum
}
nodelist {
	node {
		ring0_addr: 10.0.0.1
		nodeid: 1
	}
	node {
		ring0_addr: 10.0.0.2
		nodeid: 2
	}
	node {
		ring0_addr: 10.0.0.3
		nodeid: 3
	}
}
`

// loadLive writes text as the config file and loads it into the live map
// the way the daemon does at start.
func (f *fixture) loadLive(text string) {
	f.t.Helper()
	f.writeConf(text)
	c, err := confparse.Load(f.conf, f.eng.cfg.Options)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, k := range c.Keys {
		if err := f.m.Set(k.Name, k.Value); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) writeConf(text string) {
	f.t.Helper()
	if err := os.WriteFile(f.conf, []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) reload(c *client) wire.CsError {
	f.t.Helper()
	return c.status(wire.CfgReqHeaderOnly(wire.MessageReqCfgReloadConfig), wire.MessageResCfgReloadConfig)
}

func (f *fixture) u32(key string) uint32 {
	f.t.Helper()
	v, err := f.m.GetUint32(key)
	if err != nil {
		f.t.Fatalf("%s: %v", key, err)
	}
	return v
}

func (f *fixture) configFlags() (status int32, inProgress, totemInProgress uint8) {
	f.t.Helper()
	v, _, err := f.m.Get("config.reload_status")
	if err == nil {
		status = v.(int32)
	}
	a, _ := f.m.GetUint8("config.reload_in_progress")
	b, _ := f.m.GetUint8("config.totemconfig_reload_in_progress")
	return status, a, b
}

// totem.token may change at run time: the live map and the runtime key
// follow, the totem stack gets the new config, and a node removed from the
// nodelist disappears from cmap.
func TestReloadApplies(t *testing.T) {
	f := newFixture(t, nil)
	f.loadLive(baseConf)
	if _, _, err := f.m.Get("totem.interface.0.bindnetaddr"); err != nil {
		t.Fatal("the start should have set totem.interface.0.bindnetaddr")
	}
	_ = f.m.Set("runtime.members.1.config_version", uint64(0)) // not in any reloaded section
	next := strings.Replace(baseConf, "token: 1000", "token: 3000", 1)
	next = next[:strings.Index(next, "\tnode {\n\t\tring0_addr: 10.0.0.3")] + "}\n"
	f.writeConf(next)
	if st := f.reload(f.dial()); st != wire.CsOK {
		t.Fatalf("reload: %v", st)
	}
	f.waitLog("notice Config reload requested by node 1")
	if f.u32("totem.token") != 3000 || f.u32("runtime.config.totem.token") != 3000 {
		t.Errorf("token %d, runtime %d", f.u32("totem.token"), f.u32("runtime.config.totem.token"))
	}
	if _, _, err := f.m.Get("nodelist.node.2.nodeid"); err == nil {
		t.Error("nodelist.node.2 survived its removal")
	}
	// Startup-only: config_convert_nodelist_to_interface does not run on reload.
	if _, _, err := f.m.Get("totem.interface.0.bindnetaddr"); err == nil {
		t.Error("totem.interface.0.bindnetaddr survived the reload")
	}
	if v, err := f.m.GetUint32("nodelist.local_node_pos"); err != nil || v != 0 {
		t.Errorf("nodelist.local_node_pos %d %v", v, err)
	}
	if _, _, err := f.m.Get("runtime.members.1.config_version"); err != nil {
		t.Error("a runtime key outside the reloaded sections was removed")
	}
	if st, a, b := f.configFlags(); st != int32(wire.CsOK) || a != 0 || b != 0 {
		t.Errorf("config.* = %d %d %d", st, a, b)
	}
	c := f.applied.Load()
	if c == nil || c.Totem().Token != 3000 || len(c.Nodes()) != 2 {
		t.Fatalf("applied %+v", c)
	}
}

// Keys C refuses to change at run time keep their value, with C's notice.
func TestReloadReadOnlyKeys(t *testing.T) {
	f := newFixture(t, nil)
	f.loadLive(baseConf)
	f.writeConf(strings.Replace(baseConf, "cluster_name: gf", "cluster_name: other", 1))
	if st := f.reload(f.dial()); st != wire.CsOK {
		t.Fatalf("reload: %v", st)
	}
	f.waitLog("notice Modified entry 'totem.cluster_name' in corosync.conf cannot be changed at run-time")
	if s, _ := f.m.GetString("totem.cluster_name"); s != "gf" {
		t.Errorf("cluster_name %q", s)
	}
}

// A syntax error keeps the old configuration. C's quirk, checked against
// the real daemon (interop testdata/cfgtool/reload-syntax-error.txt):
// reload_status is not updated and totemconfig_reload_in_progress stays 1.
func TestReloadSyntaxError(t *testing.T) {
	f := newFixture(t, nil)
	f.loadLive(baseConf)
	c := f.dial()
	if st := f.reload(c); st != wire.CsOK {
		t.Fatal(st)
	}
	f.writeConf(strings.Replace(baseConf, "token: 1000", "token: 2000", 1) + "totem {\n")
	if st := f.reload(c); st != wire.CsErrInvalidParam {
		t.Fatalf("reload: %v", st)
	}
	f.waitLogPrefix("error Unable to reload config file: parser error: " + f.conf + ":")
	if f.u32("totem.token") != 1000 {
		t.Error("token changed")
	}
	if st, a, b := f.configFlags(); st != int32(wire.CsOK) || a != 0 || b != 1 {
		t.Errorf("config.* = %d %d %d", st, a, b)
	}
}

// A file that parses but fails the totem checks is refused with status 7,
// the flags reset and nothing applied.
func TestReloadInvalidTotem(t *testing.T) {
	applied := 0
	f := newFixture(t, func(c *Config) {
		c.ApplyTotem = func(*confparse.Config) error { applied++; return nil }
	})
	f.loadLive(baseConf)
	f.writeConf(strings.Replace(baseConf, "token: 1000", "token: 1000\n\tconsensus: 10", 1))
	if st := f.reload(f.dial()); st != wire.CsErrInvalidParam {
		t.Fatalf("reload: %v", st)
	}
	if st, a, b := f.configFlags(); st != int32(wire.CsErrInvalidParam) || a != 0 || b != 0 {
		t.Errorf("config.* = %d %d %d", st, a, b)
	}
	if _, _, err := f.m.Get("totem.consensus"); err == nil || applied != 0 {
		t.Errorf("bad config applied (%d)", applied)
	}
}

// Another node's request: we reload too but answer nobody.
func TestReloadFromOtherNode(t *testing.T) {
	f := newFixture(t, nil)
	f.loadLive(baseConf)
	f.writeConf(strings.Replace(baseConf, "token: 1000", "token: 1500", 1))
	msg, _ := (&wire.CfgReloadConfig{Source: wire.MessageSource{NodeID: 2, Conn: 77}}).Append(nil)
	f.eng.Deliver(2, msg)
	f.waitLog("notice Config reload requested by node 2")
	if f.u32("totem.token") != 1500 {
		t.Error("not reloaded")
	}
}

func TestReloadUnreadable(t *testing.T) {
	f := newFixture(t, nil)
	if st := f.reload(f.dial()); st != wire.CsErrInvalidParam {
		t.Fatalf("reload: %v", st)
	}
	f.waitLog("error Unable to reload config file: Can't read file " + f.conf + ": No such file or directory")
}

// C asserts when the reload request cannot be multicast; we refuse it.
func TestReloadMcastFails(t *testing.T) {
	f := newFixture(t, nil)
	f.node.mu.Lock()
	f.node.failErr = errors.New("ring gone")
	f.node.mu.Unlock()
	if st := f.reload(f.dial()); st != wire.CsErrTryAgain {
		t.Fatalf("reload: %v", st)
	}
}

// A node of the running nodelist that comes back with another address is
// refused as C's check_things_have_not_changed refuses it: status 7,
// nothing copied or applied, one line per changed link.
func TestReloadAddressChanged(t *testing.T) {
	applied := 0
	f := newFixture(t, func(c *Config) {
		c.ApplyTotem = func(*confparse.Config) error { applied++; return nil }
	})
	f.loadLive(baseConf)
	next := strings.Replace(baseConf, "ring0_addr: 10.0.0.3", "ring0_addr: 10.0.0.33", 1)
	next = strings.Replace(next, "token: 1000", "token: 2000", 1)
	f.writeConf(next)
	if st := f.reload(f.dial()); st != wire.CsErrInvalidParam {
		t.Fatalf("reload: %v", st)
	}
	f.waitLog("error new config has different address for link 0 (addr changed from 10.0.0.3 to 10.0.0.33). Internal value was NOT changed.")
	f.waitLog("error Cannot configure new interface definitions: " + errAddrChanged)
	if s, _ := f.m.GetString("nodelist.node.2.ring0_addr"); s != "10.0.0.3" || f.u32("totem.token") != 1000 || applied != 0 {
		t.Errorf("refused reload changed something: ring0_addr %q, token %d, applied %d", s, f.u32("totem.token"), applied)
	}
	if st, a, b := f.configFlags(); st != int32(wire.CsErrInvalidParam) || a != 0 || b != 0 {
		t.Errorf("config.* = %d %d %d", st, a, b)
	}
	// C's quirk: remove_deleted_entries ran before the check, against a
	// temporary map without the derived nodelist.local_node_pos.
	if _, _, err := f.m.Get("nodelist.local_node_pos"); err == nil {
		t.Error("nodelist.local_node_pos survived the refused reload (C deletes it)")
	}
	// The next good reload puts it back.
	f.writeConf(baseConf)
	if st := f.reload(f.dial()); st != wire.CsOK {
		t.Fatalf("reload: %v", st)
	}
	if v, err := f.m.GetUint32("nodelist.local_node_pos"); err != nil || v != 0 {
		t.Errorf("nodelist.local_node_pos %d %v after a good reload", v, err)
	}
}

// Adding a node and dropping another is what a nodelist reload is for.
func TestReloadNodelistAddRemove(t *testing.T) {
	f := newFixture(t, nil)
	f.loadLive(baseConf)
	f.writeConf(strings.Replace(baseConf, "ring0_addr: 10.0.0.3\n\t\tnodeid: 3", "ring0_addr: 10.0.0.4\n\t\tnodeid: 4", 1))
	if st := f.reload(f.dial()); st != wire.CsOK {
		t.Fatalf("reload: %v", st)
	}
	if s, _ := f.m.GetString("nodelist.node.2.ring0_addr"); s != "10.0.0.4" || f.u32("nodelist.node.2.nodeid") != 4 {
		t.Errorf("nodelist.node.2 = %q, %d", s, f.u32("nodelist.node.2.nodeid"))
	}
	c := f.applied.Load()
	if c == nil || len(c.Nodes()) != 3 || c.Nodes()[2].NodeID != 4 {
		t.Fatalf("applied %+v", c)
	}
}
