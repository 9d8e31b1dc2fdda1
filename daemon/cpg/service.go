package cpg

import (
	"syscall"

	"github.com/gorosync/gorosync/ipc"
)

// RegisterIPC registers the IPC service name ("cpg" in the daemon; tests
// use unique names, abstract sockets being shared by the whole network
// namespace) on srv with the engine's
// handlers: each request id with corosync's flow-control flag (answered
// CS_ERR_TRY_AGAIN while ipc.Config.Busy says so), MCAST asynchronous (no
// response, dropped with a log line when busy), connections announced to
// the engine once created and when closed.
func (e *Engine) RegisterIPC(srv *ipc.Server, name string) (*ipc.Service, error) {
	svc, err := srv.Register(ipc.ServiceConfig{
		Name:      name,
		ID:        ServiceID,
		OnConnect: func(*ipc.Conn) syscall.Errno { return 0 },
		OnCreated: func(c *ipc.Conn) { e.LibInit(c) },
		OnClose:   func(c *ipc.Conn) { e.LibExit(c) },
	})
	if err != nil {
		return nil, err
	}
	for id := int32(0); id < int32(LibRequestCount); id++ {
		var opts []ipc.HandlerOption
		if FlowControlled(id) {
			opts = append(opts, ipc.FlowControlled)
		}
		if id == 2 { // MESSAGE_REQ_CPG_MCAST
			opts = append(opts, ipc.Async)
		}
		svc.Handle(id, func(c *ipc.Conn, msg []byte) { e.LibRequest(c, msg) }, opts...)
	}
	return svc, nil
}
