package ipc

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// BenchmarkEcho measures echo round trips with our Go client against the Go
// server and against libqb's C server (testdata/qbserver) in the same run.
// MB/s counts the payload one way. `go run ./ipc/cmd/ipcbench` prints the
// same figures side by side with the ratio.
func BenchmarkEcho(b *testing.B) {
	for _, tr := range []Transport{SHM, Socket} {
		_, goName, _ := startEcho(b, tr)
		cName := fmt.Sprintf("gqcbench-%d-%d", os.Getpid(), nameSeq.Add(1))
		startCServer(b, cName, tr)
		for _, size := range []int{64, 65536} {
			for _, srv := range []struct{ label, name string }{{"go", goName}, {"c", cName}} {
				b.Run(fmt.Sprintf("%s/%s/%d", tr, srv.label, size), func(b *testing.B) {
					c, err := Dial(srv.name, nil)
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
					req := echoRequest(echoID, make([]byte, size))
					b.SetBytes(int64(size))
					for b.Loop() {
						if _, err := c.Request(req, 5*time.Second); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
