package ipc

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCClientAgainstGoServer runs Debian's libqb client code (our small
// qb_ipcc_* program) against the Go server: echo from 0 bytes to the largest
// payload that fits, an oversize request, and events polled on the fd.
func TestCClientAgainstGoServer(t *testing.T) {
	bin := cProgram(t, "qbclient")
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			_, name, dir := startEcho(t, tr)
			out, err := exec.Command(bin, "check", name).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "OK" {
				t.Fatalf("qbclient check: %v\n%s", err, out)
			}
			waitEmpty(t, dir)
		})
	}
}
