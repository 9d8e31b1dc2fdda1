package daemon

import (
	"fmt"
	"os"
	"sync"
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
	tr := d.ipcTransport()
	// libqb's own messages appear under subsystem QB in C.
	ipcLog := d.Logs.Subsys("QB")
	is := newIPCStats(d.Stats)
	srv := ipc.NewServer(ipc.Config{
		Transport: tr,
		Authorize: uidgidAuthorize(d.Map, d.log.Errorf),
		Logf:      ipcLog.Debugf,
		Busy:      d.eng.busy,
		Exec:      d.eng.exec,
		// C corosync queues dispatch events without bound; cpg drops a
		// client whose queue overflows (daemon/cpg/exec.go). The default
		// 4096 did overflow with three 1 KB senders (cmd/cpgbench).
		EventQueueLen: 1 << 17,
		OnConnCreated: is.created,
		OnConnClosed:  is.closedConn,
	})
	cmapLog := d.Logs.Subsys("CMAP")
	eng := cmap.New(cmap.Config{Map: d.Map, Stats: d.Stats, Logf: cmapLog.Debugf,
		SocketName: d.IPCSocketName(cmap.Name),
		StatsLive:  is.live, StatsClear: d.statsClear(is)})
	if _, err := eng.Register(srv); err != nil {
		srv.Close()
		return nil, err
	}
	// cfg, cpg, quorum, votequorum (daemon/engines.go).
	if err := d.eng.registerIPC(srv); err != nil {
		srv.Close()
		return nil, err
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		return nil, err
	}
	g := d.ipcGate()
	g.attach(srv)
	stopRefresh := d.refreshIPCStats(is)
	return func() {
		stopRefresh()
		srv.Close()
		ipcGates.Delete(d)
	}, nil
}

// ipcTransport is cs_get_ipc_type: an unknown system.qb_ipc_type is
// logged and served as native (SHM), not refused.
func (d *Daemon) ipcTransport() ipc.Transport {
	s, err := d.Map.GetString("system.qb_ipc_type")
	if err != nil {
		d.log.Debugf("No configured system.qb_ipc_type. Using native ipc")
		return ipc.SHM
	}
	tr, err := ipc.ParseTransport(s)
	if err != nil || s == "" {
		d.log.Debugf("Unknown ipc type %s", s)
		return ipc.SHM
	}
	d.log.Debugf("Using %s ipc", s)
	return tr
}

// ipcGate is cs_ipc_allow_connections: connections are refused with
// -EAGAIN (CS_ERR_TRY_AGAIN, which libcmap users retry) until the first
// sync round completes (corosync_sync_completed), and accepted from then
// on. The ring may complete its sync before the IPC server exists, hence
// the remembered state.
type ipcGate struct {
	mu   sync.Mutex
	srv  *ipc.Server
	open bool
}

// ipcGates holds each running Daemon's gate (kept out of the Daemon
// struct, which belongs to the process code).
var ipcGates sync.Map // *Daemon -> *ipcGate

func (d *Daemon) ipcGate() *ipcGate {
	g, _ := ipcGates.LoadOrStore(d, &ipcGate{})
	return g.(*ipcGate)
}

func (g *ipcGate) attach(srv *ipc.Server) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.srv = srv
	srv.SetReady(g.open)
}

// ipcSyncCompleted opens the IPC gate. The ring calls it after every
// completed sync round; a daemon that runs without a ring calls it once
// at start.
func (d *Daemon) ipcSyncCompleted() {
	g := d.ipcGate()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = true
	if g.srv != nil {
		g.srv.SetReady(true)
	}
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
