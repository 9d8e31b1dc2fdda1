package daemon

import (
	"fmt"
	"os"
	"syscall"

	"github.com/gorosync/gorosync/daemon/cmap"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
)

// ipcSocketSuffix is empty for the real daemon. A daemon run in-process by
// a unit test must not take the abstract names "cmap", "cpg", ... of the
// test machine's network namespace, so its sockets get a suffix.
func (d *Daemon) ipcSocketSuffix() string {
	if !d.params.InProcess {
		return ""
	}
	// The Daemon's address is unique among the live daemons of a process.
	return fmt.Sprintf("-gotest-%d-%p", os.Getpid(), d)
}

// IPCSocketName is the abstract socket name the daemon serves service
// name ("cmap", ...) under.
func (d *Daemon) IPCSocketName(name string) string { return name + d.ipcSocketSuffix() }

// startIPC is cs_ipcs_init plus the IPC half of each service engine's
// init: one libqb server, a socket per engine with lib handlers, and
// corosync's admission rules. It returns a stop function.
func (d *Daemon) startIPC() (func(), error) {
	tr := ipc.SHM
	if s, err := d.Map.GetString("system.qb_ipc_type"); err == nil {
		t, err := ipc.ParseTransport(s)
		if err != nil {
			return nil, err
		}
		tr = t
	}
	// libqb's own messages appear under subsystem QB in C.
	ipcLog := d.Logs.Subsys("QB")
	srv := ipc.NewServer(ipc.Config{
		Transport: tr,
		Authorize: uidgidAuthorize(d.Map, d.log.Errorf),
		Logf:      ipcLog.Debugf,
	})
	cmapLog := d.Logs.Subsys("CMAP")
	eng := cmap.New(cmap.Config{Map: d.Map, Stats: d.Stats, Logf: cmapLog.Debugf,
		SocketName: d.IPCSocketName(cmap.Name)})
	if _, err := eng.Register(srv); err != nil {
		srv.Close()
		return nil, err
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		return nil, err
	}
	// C opens the gate (cs_ipc_allow_connections) when the first sync
	// completes; until then clients get -EAGAIN (CS_ERR_TRY_AGAIN). With
	// no ring yet the daemon's state is complete at this point.
	srv.SetReady(true)
	return func() { srv.Close() }, nil
}

// uidgidAuthorize is cs_ipcs_connection_accept's credential rule: root
// user or group always; otherwise a uidgid.uid.<uid>, uidgid.config.uid.<uid>,
// uidgid.gid.<gid> or uidgid.config.gid.<gid> key holding u8 1.
func uidgidAuthorize(m *icmap.Map, logErr func(string, ...any)) func(ipc.Credentials) syscall.Errno {
	return func(c ipc.Credentials) syscall.Errno {
		if c.UID == 0 || c.GID == 0 {
			return 0
		}
		for _, k := range []string{
			fmt.Sprintf("uidgid.uid.%d", c.UID),
			fmt.Sprintf("uidgid.config.uid.%d", c.UID),
			fmt.Sprintf("uidgid.gid.%d", c.GID),
			fmt.Sprintf("uidgid.config.gid.%d", c.GID),
		} {
			if v, err := m.GetUint8(k); err == nil && v == 1 {
				return 0
			}
		}
		logErr("Denied connection attempt from %d:%d", c.UID, c.GID)
		return syscall.EACCES
	}
}
