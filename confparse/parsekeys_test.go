package confparse

import "testing"

// ParseKeys is Load's first stage: what it returns, Load returns too, and
// the keys Load's totem stage derives (bindnetaddr from the nodelist,
// local_node_pos, runtime.*) are not in it.
func TestParseKeysIsLoadsFirstStage(t *testing.T) {
	const conf = "totem {\n\tversion: 2\n\tcluster_name: c\n\ttransport: udpu\n}\n" +
		"nodelist {\n\tnode {\n\t\tring0_addr: 10.1.0.1\n\t\tnodeid: 1\n\t}\n}\n"
	opt := hermetic("10.1.0.1")
	keys, err := ParseKeys("/nonexistent/corosync.conf", []byte(conf), opt)
	if err != nil {
		t.Fatal(err)
	}
	full, err := LoadBytes("/nonexistent/corosync.conf", []byte(conf), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, ok := full.Get(k.Name); !ok {
			t.Errorf("%s parsed but not loaded", k.Name)
		}
	}
	for _, name := range []string{"totem.interface.0.bindnetaddr", "nodelist.local_node_pos", "runtime.config.totem.token"} {
		if _, ok := full.Get(name); !ok {
			t.Errorf("Load lacks %s", name)
		}
		for _, k := range keys {
			if k.Name == name {
				t.Errorf("%s comes from the totem stage", name)
			}
		}
	}
	if _, err := ParseKeys("/nonexistent/corosync.conf", []byte("totem {\n"), opt); err == nil {
		t.Error("syntax error accepted")
	}
}
