package ipc

import (
	"errors"
	"fmt"
)

// ErrFault means a shared mapping could not be accessed, normally because the
// peer truncated the file under us (SIGBUS). The connection must be dropped.
var ErrFault = errors.New("ipc: fault accessing shared memory")

// ErrCorrupt means the peer left pointers or lengths in shared memory that do
// not describe a valid ring; the connection must be dropped.
var ErrCorrupt = errors.New("ipc: corrupt ring buffer")

// recoverFault turns a memory fault panic into ErrFault. Callers must have run
// debug.SetPanicOnFault(true) in the same goroutine. Other panics are bugs and
// propagate.
func recoverFault(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if f, ok := r.(interface{ Addr() uintptr }); ok {
		*err = fmt.Errorf("%w (address %#x)", ErrFault, f.Addr())
		return
	}
	panic(r)
}
