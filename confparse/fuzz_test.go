package confparse

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes through the whole of Load with a hermetic
// environment: any input must give a Config or an *Error, never a panic.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/corpus/*.conf")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("totem {\nversion: 2\n}\nnodelist {\nnode {\nring0_addr: 10.9.0.1\nnodeid: 1\n}\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := LoadBytes("fuzz.conf", data, hermetic("10.9.0.1"))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("non-*Error error %T: %v", err, err)
			}
			if e.Msg == "" && e.Status != statusMainConfig {
				t.Fatalf("empty message: %+v", e)
			}
			return
		}
		if cfg.NodeID() == 0 && cfg.Transport() == "knet" {
			t.Fatalf("accepted knet config without a local nodeid")
		}
		for i := 1; i < len(cfg.Keys); i++ {
			if cfg.Keys[i-1].Name >= cfg.Keys[i].Name {
				t.Fatalf("keys not sorted/unique at %q", cfg.Keys[i].Name)
			}
		}
	})
}
