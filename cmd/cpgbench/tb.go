package main

import (
	"fmt"
	"log"
	"os"
	"sync"
	"testing"
)

// runner lets the harness, written for tests, run in a plain program: it
// satisfies testing.TB (the embedded nil interface supplies the unexported
// method; the harness calls only what is defined here), logs instead of
// reporting, and turns Fatal into a panic that ring() recovers after
// running the cleanups (the harness's teardown of namespaces and daemons).
type runner struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	failed   bool
	name     string
}

type fatal struct{ msg string }

func (r *runner) Helper()      {}
func (r *runner) Name() string { return r.name }
func (r *runner) Logf(format string, args ...any) {
	log.Printf(format, args...)
}
func (r *runner) Log(args ...any) { log.Print(args...) }
func (r *runner) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	log.Printf("error: "+format, args...)
}
func (r *runner) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *runner) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(fatal{fmt.Sprintf(format, args...)})
}
func (r *runner) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *runner) FailNow()          { r.Fatalf("FailNow") }
func (r *runner) Fail() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}
func (r *runner) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
func (r *runner) Cleanup(f func()) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, f)
	r.mu.Unlock()
}
func (r *runner) TempDir() string {
	d, err := os.MkdirTemp("", "cpgbench-")
	if err != nil {
		r.Fatalf("%v", err)
	}
	r.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// cleanup runs the registered cleanups, last first, as testing does.
func (r *runner) cleanup() {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
