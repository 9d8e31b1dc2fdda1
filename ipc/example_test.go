package ipc_test

import (
	"encoding/binary"
	"fmt"
	"syscall"

	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// How a service engine (say, the cmap service) plugs into the server. The
// daemon owns the Server; each engine registers its socket name and handlers
// keyed by request id, keeps per-connection state in the Conn's context, and
// answers through Respond / SendEvent.
func Example() {
	srv := ipc.NewServer(ipc.Config{
		// The daemon maps system.qb_ipc_type with ipc.ParseTransport.
		Transport: ipc.SHM,
		// corosync's uidgid rule lives in the daemon; the hook gets the
		// peer's credentials.
		Authorize: func(c ipc.Credentials) syscall.Errno {
			if c.UID == 0 || c.GID == 0 {
				return 0
			}
			return syscall.EACCES
		},
	})

	type cmapConn struct{ tracks map[uint64]string }
	svc, _ := srv.Register(ipc.ServiceConfig{
		Name: "cmap",
		ID:   0,
		OnConnect: func(c *ipc.Conn) syscall.Errno {
			c.SetContext(&cmapConn{tracks: map[uint64]string{}})
			return 0
		},
		OnClose: func(c *ipc.Conn) {
			_ = c.Context().(*cmapConn) // drop its tracks
		},
	})
	// CMAP GET (id 2): exactly one response per request.
	svc.Handle(2, func(c *ipc.Conn, msg []byte) {
		res := wire.ResponseHeader{ID: 2, Size: 40, Error: 12 /* CS_ERR_NOT_EXIST */}.Append(nil)
		res = binary.LittleEndian.AppendUint64(res, 0)
		res = append(res, make([]byte, 8)...)
		if err := c.Respond(res); err != nil {
			// ipc.ErrTryAgain: the client is not reading; never blocks.
			fmt.Println(err)
		}
	})

	// Start opens the sockets; SetReady(true) stops the -EAGAIN refusals
	// once the daemon's services are up.
	_ = srv.Start
	_ = srv.SetReady
	fmt.Println("registered", svc.Name())
	// Output: registered cmap
}
