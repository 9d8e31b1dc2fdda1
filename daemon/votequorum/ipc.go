package votequorum

import (
	"sync"
	"syscall"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// IPC is the "votequorum" socket (service 5) in front of an Engine.
//
// The engine is not safe for concurrent use: every handler takes Lock, and
// the daemon must hold the same lock (or run everything through
// ipc.Config.Exec on its one goroutine) when it calls Deliver, Init,
// Process, Activate or Advance.
type IPC struct {
	E    *Engine
	Lock sync.Locker
	Name string // socket name; "" = "votequorum"
}

type connState struct {
	tracker *Tracker
}

// RegisterIPC registers the libvotequorum handlers on srv.
func (v *IPC) RegisterIPC(srv *ipc.Server) (*ipc.Service, error) {
	if v.Lock == nil {
		v.Lock = &sync.Mutex{}
	}
	name := v.Name
	if name == "" {
		name = "votequorum"
	}
	svc, err := srv.Register(ipc.ServiceConfig{
		Name: name,
		ID:   serviceID,
		OnConnect: func(c *ipc.Conn) syscall.Errno {
			cs := &connState{}
			cs.tracker = &Tracker{Send: c.SendEvent}
			c.SetContext(cs)
			return 0
		},
		OnClose: func(c *ipc.Conn) {
			cs, _ := c.Context().(*connState)
			v.Lock.Lock()
			defer v.Lock.Unlock()
			if cs != nil {
				v.E.ConnClosed(c, cs.tracker)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	for id := wire.MessageReqVotequorumGetinfo; id <= wire.MessageReqVotequorumQdeviceMasterWins; id++ {
		svc.Handle(id, v.handle)
	}
	return svc, nil
}

func status(c *ipc.Conn, err wire.CsError) {
	_ = c.Respond(wire.AppendVotequorumStatus(nil, err))
}

func (v *IPC) handle(c *ipc.Conn, msg []byte) {
	r, err := wire.DecodeVotequorumRequest(msg)
	if err != nil {
		// C would read past a short request; answer like a bad request
		h, herr := wire.DecodeRequestHeader(msg)
		if herr == nil && h.ID == wire.MessageReqVotequorumGetinfo {
			_ = c.Respond(wire.AppendVotequorumGetinfo(nil, wire.CsErrInvalidParam, &wire.VotequorumInfo{}))
			return
		}
		status(c, wire.CsErrInvalidParam)
		return
	}
	cs, _ := c.Context().(*connState)
	v.Lock.Lock()
	defer v.Lock.Unlock()
	e := v.E
	switch r.ID {
	case wire.MessageReqVotequorumGetinfo:
		in, res := e.GetInfo(r.NodeID)
		e.logf(LevelDebug, "got getinfo request on %d for node %d", c.ID(), r.NodeID)
		_ = c.Respond(wire.AppendVotequorumGetinfo(nil, res, in))
		e.logf(LevelDebug, "getinfo response error: %d", res)
	case wire.MessageReqVotequorumSetexpected:
		status(c, e.SetExpected(r.ExpectedVotes))
	case wire.MessageReqVotequorumSetvotes:
		status(c, e.SetVotes(r.NodeID, r.Votes))
	case wire.MessageReqVotequorumTrackstart:
		status(c, e.TrackStart(cs.tracker, r.Context, r.TrackFlags))
	case wire.MessageReqVotequorumTrackstop:
		status(c, e.TrackStop(cs.tracker))
	case wire.MessageReqVotequorumQdeviceRegister:
		res, pending := e.QdeviceRegister(c, r.Name, func(conn any, res wire.CsError) {
			status(conn.(*ipc.Conn), res)
		})
		if !pending {
			status(c, res)
		}
	case wire.MessageReqVotequorumQdeviceUnregister:
		status(c, e.QdeviceUnregister(r.Name))
	case wire.MessageReqVotequorumQdeviceUpdate:
		status(c, e.QdeviceUpdate(r.Name, r.NewName))
	case wire.MessageReqVotequorumQdevicePoll:
		status(c, e.QdevicePoll(r.Name, r.CastVote != 0, r.RingID))
	case wire.MessageReqVotequorumQdeviceMasterWins:
		status(c, e.QdeviceMasterWins(r.Name, r.Allow != 0))
	}
}
