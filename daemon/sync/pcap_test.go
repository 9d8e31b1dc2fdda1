package sync

import (
	"testing"

	"github.com/gorosync/gorosync/internal/capture"
)

type capturedMcast = capture.Mcast

func readCaptureMcasts(t testing.TB, path string) []capturedMcast {
	t.Helper()
	ms, err := capture.Mcasts(path)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}
