// Command ipcbench compares the Go IPC server with libqb's C server: the same
// client does echo round trips against both in the same run and the ratio is
// printed. It builds ipc/testdata/qbserver.c and qbclient.c with gcc against
// libqb-dev, so run it from the repository root:
//
//	go run ./ipc/cmd/ipcbench -secs 3
//
// Both our Go client and libqb's C client (qbclient bench) are measured.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

func main() {
	secs := flag.Float64("secs", 1, "seconds per measurement")
	rounds := flag.Int("rounds", 5, "alternating Go/C measurements per case; the best of each is reported")
	src := flag.String("src", "ipc/testdata", "directory holding qbserver.c and qbclient.c")
	trs := flag.String("transport", "shm,socket", "transports to measure")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*secs, *rounds, *src, *trs); err != nil {
		log.Fatal(err)
	}
}

// run keeps every cleanup in defers, so that a failed measurement leaves
// nothing in /tmp or /dev/shm and no C server running.
func run(secs float64, rounds int, src, trs string) error {
	bin, err := os.MkdirTemp("", "gqipcbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	for _, p := range []string{"qbserver", "qbclient"} {
		if err := build(filepath.Join(src, p+".c"), filepath.Join(bin, p)); err != nil {
			return err
		}
	}
	shm, err := os.MkdirTemp("/dev/shm", "gqipcbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(shm)

	fmt.Printf("%-7s %-8s %-7s %14s %14s %14s %14s %8s %8s\n", "transp", "client", "size", "go rt/s", "go MB/s", "C rt/s", "C MB/s", "go/C", "median")
	for _, trName := range strings.Split(trs, ",") {
		if err := runTransport(bin, shm, trName, secs, rounds); err != nil {
			return err
		}
	}
	fmt.Println("rt/s = echo round trips per second, best of the rounds (request and response both carry the payload);")
	fmt.Println("MB/s = payload bytes one way; go/C = ratio of the bests; median = median of the per-round ratios")
	return nil
}

func runTransport(bin, shm, trName string, secs float64, rounds int) error {
	tr, err := ipc.ParseTransport(trName)
	if err != nil {
		return err
	}
	goName := fmt.Sprintf("gqbench-go-%d-%s", os.Getpid(), trName)
	cName := fmt.Sprintf("gqbench-c-%d-%s", os.Getpid(), trName)
	srv, err := startGo(goName, tr, shm)
	if err != nil {
		return err
	}
	defer srv.Close()
	stop, err := startC(filepath.Join(bin, "qbserver"), cName, trName)
	if err != nil {
		return err
	}
	defer stop()
	for _, size := range []int{64, 65536} {
		for _, client := range []string{"go", "C"} {
			var g, c float64
			var ratios []float64
			for range rounds {
				var gi, ci float64
				if client == "go" {
					gi, err = goClient(goName, size, secs)
					if err == nil {
						ci, err = goClient(cName, size, secs)
					}
				} else {
					gi, err = cClient(filepath.Join(bin, "qbclient"), goName, size, secs)
					if err == nil {
						ci, err = cClient(filepath.Join(bin, "qbclient"), cName, size, secs)
					}
				}
				if err != nil {
					break
				}
				g, c = max(g, gi), max(c, ci)
				ratios = append(ratios, gi/ci)
			}
			if err != nil {
				return fmt.Errorf("%s/%s/%d: %w", trName, client, size, err)
			}
			sort.Float64s(ratios)
			mb := func(r float64) float64 { return r * float64(size) / 1e6 }
			fmt.Printf("%-7s %-8s %-7d %14.0f %14.1f %14.0f %14.1f %8.2f %8.2f\n", trName, client, size, g, mb(g), c, mb(c), g/c, ratios[len(ratios)/2])
		}
	}
	return nil
}

func build(src, out string) error {
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libqb").Output()
	if err != nil {
		return fmt.Errorf("pkg-config libqb (libqb-dev installed?): %w", err)
	}
	args := append([]string{"-O2", "-o", out, src}, strings.Fields(string(flags))...)
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("gcc %s: %v\n%s", src, err, b)
	}
	return nil
}

func startGo(name string, tr ipc.Transport, shm string) (*ipc.Server, error) {
	s := ipc.NewServer(ipc.Config{Transport: tr, ShmDir: shm})
	svc, err := s.Register(ipc.ServiceConfig{Name: name, BorrowMessages: true})
	if err != nil {
		return nil, err
	}
	svc.Handle(1, func(c *ipc.Conn, msg []byte) {
		h := wire.ResponseHeader{ID: 1, Size: int32(len(msg) + 8), Error: 1}
		c.RespondParts(h.Append(make([]byte, 0, 24)), msg[16:])
	})
	if err := s.Start(); err != nil {
		return nil, err
	}
	s.SetReady(true)
	return s, nil
}

func startC(bin, name, tr string) (func(), error) {
	cmd := exec.Command(bin, name, tr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	stop := func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	if strings.TrimSpace(line) != "READY" {
		stop()
		return nil, fmt.Errorf("qbserver: %q", line)
	}
	return stop, nil
}

func goClient(name string, size int, secs float64) (float64, error) {
	c, err := ipc.Dial(name, nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	req := wire.RequestHeader{ID: 1, Size: int32(16 + size)}.Append(nil)
	req = append(req, make([]byte, size)...)
	n := 0
	start := time.Now()
	d := time.Duration(secs * float64(time.Second))
	for time.Since(start) < d {
		for range 100 {
			resp, err := c.Request(req, 5*time.Second)
			if err != nil {
				return 0, err
			}
			if len(resp) != 24+size {
				return 0, fmt.Errorf("response of %d bytes", len(resp))
			}
		}
		n += 100
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func cClient(bin, name string, size int, secs float64) (float64, error) {
	out, err := exec.Command(bin, "bench", name, strconv.Itoa(size), fmt.Sprint(secs)).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("qbclient: %v: %s", err, out)
	}
	var n int
	var t float64
	if _, err := fmt.Sscanf(string(out), "rtt %d %f", &n, &t); err != nil {
		return 0, fmt.Errorf("qbclient output %q", out)
	}
	return float64(n) / t, nil
}
