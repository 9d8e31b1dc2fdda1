package quorum

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

const (
	serviceID   = 3
	serviceName = "corosync cluster quorum service v0.1"
)

// Log levels (syslog numbers, as logsys).
const (
	LevelCrit   = 2
	LevelError  = 3
	LevelNotice = 5
	LevelDebug  = 7
)

// Options configure the service.
type Options struct {
	Map *icmap.Map
	Log func(level int, msg string)
	// Name is the IPC socket name ("" = "quorum"); tests use their own.
	Name string
}

type tracker struct {
	c       *ipc.Conn
	model   uint32
	enabled bool
	flags   uint32
}

// Service is the quorum engine. All methods are safe for concurrent use.
type Service struct {
	opt Options
	mu  sync.Mutex

	quorumType        uint32
	primaryDesignated bool
	view              []uint32
	ring              wire.RingID

	lastSyncRing        wire.RingID
	members, oldMembers []uint32
	joined, left        []uint32
	trackers            []*tracker
	internal            []func(quorate bool)
}

// New returns the service; call Start.
func New(opt Options) *Service {
	if opt.Map == nil {
		opt.Map = icmap.New()
	}
	return &Service{opt: opt}
}

func (s *Service) logf(l int, format string, a ...any) {
	if s.opt.Log != nil {
		s.opt.Log(l, fmt.Sprintf(format, a...))
	}
}

// Start is quorum_exec_init_fn's configuration part: it reports the
// provider to start (only "corosync_votequorum" exists in Go) or C's error.
func (s *Service) Start() (provider string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, e := s.opt.Map.GetString("quorum.provider"); e == nil {
		s.logf(LevelNotice, "Using quorum provider %s", p)
		if p != "corosync_votequorum" {
			s.logf(LevelCrit, "Quorum provider: %s failed to initialize.", p)
			return "", fmt.Errorf("Invalid quorum provider")
		}
		s.quorumType = 1
		return p, nil
	}
	s.primaryDesignated = true
	return "", nil
}

// ID and Name make the Service a daemon/sync Service.
func (s *Service) ID() int      { return serviceID }
func (s *Service) Name() string { return serviceName }

// Quorate is quorum_quorate, the internal API other engines query.
func (s *Service) Quorate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.primaryDesignated
}

// RegisterCallback is quorum_register_callback: fn runs (under no lock of
// ours) on every quorum decision.
func (s *Service) RegisterCallback(fn func(quorate bool)) {
	s.mu.Lock()
	s.internal = append([]func(bool){fn}, s.internal...)
	s.mu.Unlock()
}

// logViewList is log_view_list: the ids are packed into a 64-byte buffer;
// when they do not fit the line ends with a backslash and continues.
func (s *Service) logViewList(list []uint32, what string) {
	i := 0
	for {
		var buf strings.Builder
		for ; i < len(list); i++ {
			item := " " + strconv.FormatUint(uint64(list[i]), 10)
			if buf.Len()+len(item) >= 64 {
				break
			}
			buf.WriteString(item)
		}
		cont := ""
		if i < len(list) {
			cont = "\\"
		}
		s.logf(LevelNotice, "%s[%d]:%s%s", what, len(list), buf.String(), cont)
		if i == len(list) {
			return
		}
	}
}

// SetQuorum is quorum_api_set_quorum, the provider's callback.
func (s *Service) SetQuorum(view []uint32, quorate bool, ring wire.RingID) {
	s.mu.Lock()
	old := s.primaryDesignated
	s.primaryDesignated = quorate
	if quorate && !old {
		s.logf(LevelNotice, "This node is within the primary component and will provide service.")
	} else if !quorate && old {
		s.logf(LevelNotice, "This node is within the non-primary component and will NOT provide any services.")
	}
	s.view = append([]uint32(nil), view...)
	s.ring = ring
	s.logViewList(view, "Members")
	internal := append([]func(bool){}, s.internal...)
	s.sendLibraryNotification(nil)
	s.mu.Unlock()
	for _, fn := range internal {
		fn(quorate)
	}
}

func (s *Service) sendLibraryNotification(t *tracker) {
	v0 := wire.AppendQuorumNotificationV0(nil, s.primaryDesignated, s.ring.Seq, s.view)
	v1 := wire.AppendQuorumNotificationV1(nil, s.primaryDesignated, s.ring, s.view)
	send := func(t *tracker) {
		switch t.model {
		case wire.LibQuorumModelV0:
			_ = t.c.SendEvent(v0)
		case wire.LibQuorumModelV1:
			_ = t.c.SendEvent(v1)
		}
	}
	if t != nil {
		send(t)
		return
	}
	for _, t := range s.trackers {
		send(t)
	}
}

func (s *Service) sendNodelistNotification(t *tracker, joinedLeft bool) {
	var joined, left []uint32
	if joinedLeft {
		joined, left = s.joined, s.left
	}
	ev := wire.AppendQuorumNodelistNotificationV1(nil, s.lastSyncRing, s.members, joined, left)
	if t != nil {
		if t.model == wire.LibQuorumModelV1 {
			_ = t.c.SendEvent(ev)
		}
		return
	}
	for _, t := range s.trackers {
		if t.model == wire.LibQuorumModelV1 {
			_ = t.c.SendEvent(ev)
		}
	}
}

func in(id uint32, l []uint32) bool {
	for _, x := range l {
		if x == id {
			return true
		}
	}
	return false
}

// Init is quorum_sync_init: the joined and left lists against the members
// of the previous activated sync.
func (s *Service) Init(trans, members []uint32, ring wire.RingID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members = append([]uint32(nil), members...)
	s.lastSyncRing = ring
	s.left = s.left[:0]
	for _, id := range s.oldMembers {
		if !in(id, trans) || !in(id, s.members) {
			s.left = append(s.left, id)
		}
	}
	s.joined = s.joined[:0]
	for _, id := range s.members {
		if !in(id, s.oldMembers) || in(id, s.left) {
			s.joined = append(s.joined, id)
		}
	}
	s.logViewList(s.members, "Sync members")
	if len(s.joined) > 0 {
		s.logViewList(s.joined, "Sync joined")
	}
	if len(s.left) > 0 {
		s.logViewList(s.left, "Sync left")
	}
}

// Process is quorum_sync_process: nothing to send.
func (s *Service) Process() bool { return true }

// Activate is quorum_sync_activate: V1 clients get the node list with the
// joined and left lists.
func (s *Service) Activate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oldMembers = append(s.oldMembers[:0], s.members...)
	s.sendNodelistNotification(nil, true)
}

// Abort is quorum_sync_abort, empty in C.
func (s *Service) Abort() {}

// RegisterIPC opens the "quorum" socket (all requests
// CS_LIB_FLOW_CONTROL_NOT_REQUIRED, allowed while inquorate).
func (s *Service) RegisterIPC(srv *ipc.Server) (*ipc.Service, error) {
	name := s.opt.Name
	if name == "" {
		name = "quorum"
	}
	svc, err := srv.Register(ipc.ServiceConfig{
		Name: name,
		ID:   serviceID,
		OnConnect: func(c *ipc.Conn) syscall.Errno {
			s.logf(LevelDebug, "lib_init_fn: conn=%d", c.ID())
			c.SetContext(&tracker{c: c, model: wire.LibQuorumModelV0})
			return 0
		},
		OnClose: func(c *ipc.Conn) {
			s.logf(LevelDebug, "lib_exit_fn: conn=%d", c.ID())
			if t, ok := c.Context().(*tracker); ok {
				s.mu.Lock()
				s.untrack(t)
				s.mu.Unlock()
			}
		},
	})
	if err != nil {
		return nil, err
	}
	for id := wire.MessageReqQuorumGetquorate; id <= wire.MessageReqQuorumModelGettype; id++ {
		svc.Handle(id, s.handle)
	}
	return svc, nil
}

func (s *Service) untrack(t *tracker) bool {
	if !t.enabled {
		return false
	}
	t.enabled = false
	for i, x := range s.trackers {
		if x == t {
			s.trackers = append(s.trackers[:i], s.trackers[i+1:]...)
			break
		}
	}
	return true
}

func (s *Service) handle(c *ipc.Conn, msg []byte) {
	t, _ := c.Context().(*tracker)
	r, err := wire.DecodeQuorumRequest(msg)
	if err != nil || t == nil {
		h, _ := wire.DecodeRequestHeader(msg)
		_ = c.Respond(wire.AppendQuorumStatus(nil, h.ID, wire.CsErrInvalidParam))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.ID {
	case wire.MessageReqQuorumGetquorate:
		s.logf(LevelDebug, "got quorate request on %d", c.ID())
		_ = c.Respond(wire.AppendQuorumU32Response(nil, wire.MessageResQuorumGetquorate, wire.CsOK, uint32(b2u(s.primaryDesignated))))
	case wire.MessageReqQuorumTrackstart:
		s.logf(LevelDebug, "got trackstart request on %d", c.ID())
		if r.TrackFlags&(wire.CsTrackCurrent|wire.CsTrackChanges) != 0 {
			s.logf(LevelDebug, "sending initial status to %d", c.ID())
			s.sendNodelistNotification(t, false)
			s.sendLibraryNotification(t)
		}
		res := wire.CsOK
		if t.enabled {
			res = wire.CsErrExist
		} else if r.TrackFlags&(wire.CsTrackChanges|wire.CsTrackChangesOnly) != 0 {
			t.flags, t.enabled = r.TrackFlags, true
			s.trackers = append([]*tracker{t}, s.trackers...)
		}
		_ = c.Respond(wire.AppendQuorumStatus(nil, wire.MessageResQuorumTrackstart, res))
	case wire.MessageReqQuorumTrackstop:
		s.logf(LevelDebug, "got trackstop request on %d", c.ID())
		s.untrack(t)
		// C computes NOT_EXIST and then overwrites it with OK
		_ = c.Respond(wire.AppendQuorumStatus(nil, wire.MessageResQuorumTrackstop, wire.CsOK))
	case wire.MessageReqQuorumGettype:
		s.logf(LevelDebug, "got quorum_type request on %d", c.ID())
		_ = c.Respond(wire.AppendQuorumU32Response(nil, wire.MessageResQuorumGettype, wire.CsOK, s.quorumType))
	case wire.MessageReqQuorumModelGettype:
		s.logf(LevelDebug, "got quorum_model_type request on %d", c.ID())
		res := wire.CsOK
		if r.Model != wire.LibQuorumModelV0 && r.Model != wire.LibQuorumModelV1 {
			s.logf(LevelError, "quorum_model_type request for unsupported model %d", r.Model)
			res = wire.CsErrInvalidParam
		} else {
			t.model = r.Model
		}
		_ = c.Respond(wire.AppendQuorumU32Response(nil, wire.MessageResQuorumModelGettype, res, s.quorumType))
	}
}

func b2u(v bool) int {
	if v {
		return 1
	}
	return 0
}
