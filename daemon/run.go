package daemon

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
)

// DefaultStateDir is LOCALSTATEDIR "/lib/corosync".
const DefaultStateDir = "/var/lib/corosync"

// Params are the process's surroundings; Main fills them from the real
// process, tests from their own.
type Params struct {
	Args     []string // without the program name
	Stdout   io.Writer
	Stderr   io.Writer
	LockFile string // DefaultLockFile if empty
	// ConfOptions reach confparse.Load (tests inject host lookups).
	ConfOptions confparse.Options
	// Signals delivers the signals Main would get from signal.Notify; nil
	// means the real ones.
	Signals chan os.Signal
	// Started, if not nil, is called once the daemon runs its main loop.
	Started func(*Daemon)
	// InProcess is for tests running the daemon inside their own
	// process: no memory locking, no chdir to the state directory.
	InProcess bool
}

// Daemon is one running corosync process.
type Daemon struct {
	Map    *icmap.Map // the default map (icmap_get_global_map)
	Stats  *icmap.Map // the stats map
	Logs   *logsys.System
	Config *confparse.Config
	// ForceGather is totempg_force_gather, run when a client sets
	// runtime.force_gather; nil until a totem layer is attached.
	ForceGather func()
	log         *logsys.Logger
	lock        *lockFile
	opts        options
	params      *Params
	stopped     bool
	// eng are the service engines (daemon/engines.go); shutdownReq is
	// api->shutdown_request (cfg, cmap), closed at most once.
	eng          *engines
	shutdownReq  chan struct{}
	shutdownOnce sync.Once
}

// Main runs corosync with the process's arguments and returns its exit
// status.
func Main() int {
	return Run(&Params{Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr})
}

// Run is main.c's main.
func Run(p *Params) int {
	if p.LockFile == "" {
		p.LockFile = DefaultLockFile
	}
	startDir, _ := os.Getwd() // the detached child resolves -c from here
	o, code, ok := parseArgs(p.Args, p.Stderr)
	if !ok {
		return code
	}
	if o.version {
		showVersion(p.Stdout)
		return DoneExit
	}
	d := &Daemon{Map: icmap.New(), Stats: icmap.New(), opts: o, params: p}
	d.Logs = logsys.New(logsys.Options{Name: "corosync", Stderr: p.Stderr})
	defer d.Logs.Close()
	d.log = d.Logs.Subsys("MAIN")
	setROKeys(d.Map)

	if code := d.loadConfig(); code != DoneExit {
		return code
	}
	if !o.testOnly {
		d.log.Noticef("Corosync Cluster Engine %s starting up", Version)
		d.log.Infof("Corosync built-in features:%s", featuresString())
	}
	if !p.InProcess {
		// C runs with the state directory as its working directory
		// (relative key files, core dumps); confparse checked it exists.
		dir, err := d.Map.GetString("system.state_dir")
		if err != nil {
			dir = DefaultStateDir
		}
		if err := os.Chdir(dir); err != nil {
			d.log.Errorf("Cannot chdir to state directory %s. %s", dir, strerror(err))
			return d.exit(DoneDirNotPresent)
		}
	}
	for _, w := range d.Config.Warnings {
		// logsys logs the deprecated-logging-key warnings itself.
		if !strings.Contains(w, "config parameter has been obsoleted") {
			d.log.Warningf("%s", w)
		}
	}
	if o.testOnly {
		return d.exit(DoneExit)
	}
	if o.background && !isDetachedChild() {
		return detach(p.Args, startDir)
	}
	if isDetachedChild() {
		d.log.Debugf("Corosync TTY detached")
	}
	return d.serve()
}

// loadConfig is coroparse_configparse, corosync_log_config_read,
// totem_config_read and totem_config_validate: confparse makes every check
// in C's order and tells which one failed; this prints it as C does at
// that stage.
func (d *Daemon) loadConfig() int {
	cfg, err := confparse.Load(d.opts.configFile, d.params.ConfOptions)
	if err != nil {
		var ce *confparse.Error
		if !errors.As(err, &ce) {
			fmt.Fprintf(d.params.Stderr, "%s\n", err)
			return DoneMainConfigRead
		}
		status := ce.Status
		if status == 0 {
			status = DoneMainConfigRead
		}
		if ce.File != "" || strings.HasPrefix(ce.Msg, "Can't read file") ||
			strings.HasPrefix(ce.Msg, "Can't format parser error") || status == DoneLogConfigRead {
			// Before logging is set up C can only fprintf the message.
			fmt.Fprintf(d.params.Stderr, "%s\n", ce.Error())
			return status
		}
		// Later failures are logged. confparse returns no keys with an
		// error, so the logging section is not known here: log with
		// the defaults (stderr, hires timestamps).
		if cerr := d.Logs.Configure(icmap.New()); cerr != nil {
			fmt.Fprintf(d.params.Stderr, "%s\n", ce.Msg)
			return status
		}
		d.log.Errorf("%s", strings.TrimSuffix(ce.Msg, "\n"))
		return d.exit(status)
	}
	d.Config = cfg
	if err := loadKeys(d.Map, cfg); err != nil {
		fmt.Fprintf(d.params.Stderr, "Corosync Executive couldn't initialize configuration component.\n")
		return DoneICMap
	}
	if err := d.Logs.Configure(d.Map); err != nil {
		msg := fmt.Sprintf("parse error in config: %s.\n", err)
		fmt.Fprint(d.params.Stderr, msg)
		return DoneLogConfigRead
	}
	if err := d.Logs.Watch(d.Map); err != nil {
		return DoneLogConfigRead
	}
	return DoneExit
}

// exit is corosync_exit_error: log why, and return the status.
func (d *Daemon) exit(code int) int {
	if code == DoneExit {
		d.log.Noticef("Corosync Cluster Engine exiting normally")
	} else {
		_, file, line, _ := runtime.Caller(1)
		d.log.Errorf("Corosync Cluster Engine exiting with status %d at %s:%d.", code, filepath.Base(file), line)
	}
	return code
}

// serve takes the lock, creates the runtime keys, tells systemd and the
// parent we run, and waits for a signal to stop.
func (d *Daemon) serve() int {
	sigs := d.params.Signals
	if sigs == nil {
		sigs = make(chan os.Signal, 4)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGUSR2)
		defer signal.Stop(sigs)
	}
	if !d.params.InProcess {
		mlockall(d.log)
		setScheduler(d.Map, d.log)
	}
	lock, code := acquireLock(d.params.LockFile, os.Getpid(), d.log)
	if code != DoneExit {
		return d.exit(code)
	}
	d.lock = lock
	defer d.lock.release()

	if err := addRuntimeKeys(d.Map, d.log, DefaultServices, d.forceGather); err != nil {
		d.log.Errorf("Could not initialize default services")
		return d.exit(DoneInitServices)
	}
	// Service engines' exec_init_fn (daemon/engines.go).
	d.shutdownReq = make(chan struct{})
	eng, err := d.newEngines()
	if err != nil {
		d.log.Errorf("%v", err)
		return d.exit(DoneInitServices)
	}
	d.eng = eng
	// Totem: transport, totemsrp, totempg and sync (daemon/ring.go).
	stopRing, err := d.startRing()
	if err != nil {
		d.log.Errorf("Can't initialize the totem ring: %v", err)
		return d.exit(DoneInitServices)
	}
	defer stopRing()
	// The engines' exec_exit_fn run while totem still does (C unlinks
	// the services before totempg_finalize).
	defer eng.exit()
	// IPC: the service engines' sockets (daemon/ipcsetup.go).
	stopIPC, err := d.startIPC()
	if err != nil {
		d.log.Errorf("Can't initialize IPC: %v", err)
		return d.exit(DoneInitServices)
	}
	defer stopIPC()
	// READY=1 waits for the first completed sync (notifyReady, called
	// from the ring's SyncCompleted), as in C.
	tellParentReady()
	if d.params.Started != nil {
		d.params.Started(d)
	}
wait:
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGUSR2 {
				// sig_diag_handler: the service engines dump their state.
				continue
			}
			d.log.Noticef("Node was shut down by a signal")
			break wait
		case <-d.shutdownReq:
			break wait
		}
	}
	return d.exit(DoneExit)
}

// requestShutdown is api->shutdown_request: the orderly exit of a signal,
// without its log line.
func (d *Daemon) requestShutdown() {
	d.shutdownOnce.Do(func() { close(d.shutdownReq) })
}

// notifyReady is corosync_sync_completed's sd_notify(0, "READY=1"). C sends
// it after every completed sync round, not only the first: systemd acts on
// the first and ignores the rest, and a Type=notify unit is not "started"
// before the node has synced with its ring. C sends nothing else (no
// STATUS=, no STOPPING=1 at shutdown), so neither do we. Errors are
// ignored as C ignores sd_notify's return value; without NOTIFY_SOCKET it
// does nothing.
func (d *Daemon) notifyReady() {
	_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReady)
}

func (d *Daemon) forceGather() {
	if d.ForceGather != nil {
		d.ForceGather()
	}
}
