package confparse

import (
	"fmt"
	"strings"
	"testing"
)

// config384 is a knet cluster at PROCESSOR_COUNT_MAX nodes with two links.
func config384() []byte {
	var b strings.Builder
	b.WriteString("totem {\n\tversion: 2\n\tcluster_name: big\n\tcrypto_cipher: none\n\tcrypto_hash: none\n}\n\nnodelist {\n")
	for i := 1; i <= 384; i++ {
		fmt.Fprintf(&b, "\tnode {\n\t\tname: node%d\n\t\tnodeid: %d\n\t\tring0_addr: 10.1.%d.%d\n\t\tring1_addr: 10.2.%d.%d\n\t}\n",
			i, i, i/256, i%256, i/256, i%256)
	}
	b.WriteString("}\n\nquorum {\n\tprovider: corosync_votequorum\n}\n")
	return []byte(b.String())
}

func TestConfig384(t *testing.T) {
	cfg, err := LoadBytes("big.conf", config384(), hermetic("10.1.1.44"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NodeID() != 300 || len(cfg.Nodes()) != 384 || len(cfg.Links()) != 2 {
		t.Fatalf("nodeid %d, %d nodes, %d links", cfg.NodeID(), len(cfg.Nodes()), len(cfg.Links()))
	}
	if tok := cfg.Totem().Token; tok != 3000+382*650 {
		t.Fatalf("token %d", tok)
	}
}

func BenchmarkLoad384(b *testing.B) {
	data := config384()
	opt := hermetic("10.1.1.44")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := LoadBytes("big.conf", data, opt); err != nil {
			b.Fatal(err)
		}
	}
}
