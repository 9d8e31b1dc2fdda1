package sync

import (
	"github.com/gorosync/gorosync/wire"
)

// Service is one service engine's sync callbacks (struct sync_callbacks).
// Only services that take part in synchronization are registered.
type Service interface {
	// ID is the service id (include/corosync/corodefs.h), 0..63.
	ID() int
	// Name is the service's name as logged ("corosync configuration map access").
	Name() string
	// Init starts a sync round (sync_init): trans is the transitional
	// membership restricted to the new members, members the new ring's.
	// It is called for every local service right after the SERVICE_BUILD is sent.
	Init(trans, members []uint32, ring wire.RingID)
	// Process sends this service's sync messages (sync_process). It returns
	// false when it must be called again (for example, totempg answered
	// TRY_AGAIN); the engine calls it again from the next Run.
	Process() (done bool)
	// Activate commits the synchronized state once every member has passed
	// the barrier (sync_activate).
	Activate()
	// Abort cancels the round in progress (sync_abort). As in C it may be
	// called more than once for one round (on the transitional and on the
	// regular configuration change) and must be idempotent.
	Abort()
}

// dummy stands for a service another member announced and we do not run:
// it sends nothing and is done at once, so the barriers stay in step.
type dummy struct{ id int }

func (d dummy) ID() int { return d.id }

// Name is C's text, trailing newline included (it ends up in the log line).
func (d dummy) Name() string                    { return sprintfUnknown(d.id) }
func (dummy) Init(_, _ []uint32, _ wire.RingID) {}
func (dummy) Process() bool                     { return true }
func (dummy) Activate()                         {}
func (dummy) Abort()                            {}
