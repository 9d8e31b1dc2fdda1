package daemon

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/daemon/ring"
	"github.com/gorosync/gorosync/daemon/transport"
	"github.com/gorosync/gorosync/totemsrp"
	"github.com/gorosync/gorosync/wire"
)

// startRing is totempg_initialize + totemsrp's interface coming up: it
// opens the transport of the configuration and starts the Totem event
// loop. The returned function is totempg_finalize (LEAVE, close). A
// transport that cannot be opened yet (address not configured, port
// taken) is retried every downcheck interval, as C waits for its
// interface to come up.
func (d *Daemon) startRing() (stop func(), err error) {
	cfg := d.Config
	tot := cfg.Totem()
	totemLog := d.Logs.Subsys("TOTEM")
	srp := srpConfig(cfg)
	if err := srp.Validate(); err != nil {
		return nil, err
	}
	open, err := d.transportOpener(cfg, totemLog)
	if err != nil {
		// knet is not there yet: say so and run without a ring rather
		// than refuse a configuration C accepts.
		totemLog.Errorf("%v; this node will not join a ring", err)
		d.ipcSyncCompleted() // no sync will come: let clients in (daemon/ipcsetup.go)
		d.notifyReady()
		return func() {}, nil
	}
	stateDir := DefaultStateDir
	if s, err := d.Map.GetString("system.state_dir"); err == nil {
		stateDir = s
	}
	loggers := map[string]*logsys.Logger{}
	logf := func(subsys string, level logsys.Level, format string, args ...any) {
		l := loggers[subsys]
		if l == nil {
			l = d.Logs.Subsys(subsys)
			loggers[subsys] = l
		}
		l.Logf(level, format, args...)
	}
	var current atomic.Pointer[ring.Ring]
	d.ForceGather = func() {
		if r := current.Load(); r != nil {
			r.ForceGather()
		}
	}
	quit := make(chan struct{})
	started := make(chan *ring.Ring, 1)
	go func() {
		var r *ring.Ring
		defer func() { started <- r }()
		for {
			tr, err := open()
			if err == nil {
				r, err = ring.New(ring.Config{SRP: srp, Transport: tr, StateDir: stateDir,
					Map: d.Map, Stats: d.Stats, Log: logf,
					SyncCompleted: func(wire.RingID) {
						d.eng.syncCompleted() // daemon/engines.go
						d.ipcSyncCompleted()  // IPC gate, daemon/ipcsetup.go
						d.notifyReady()       // daemon/run.go
					},
					MemberIP: d.eng.memberIP, // follows cfg reloads (daemon/reload.go)
					Services: d.eng.ringServices(),
				})
				if err != nil {
					tr.Close()
					// Only the ringid file can fail here (create_or_load).
					d.log.Errorf("%v", err)
					d.fatal(DoneStoreRingID)
					return
				}
				current.Store(r)
				d.eng.attach(r)
				r.Start()
				d.eng.started(r)
				go func() {
					<-r.Done()
					switch err := r.Err(); {
					case errors.Is(err, ring.ErrStoreRingID):
						d.fatal(DoneStoreRingID)
					case err != nil:
						d.log.Errorf("totem: %v", err)
						d.fatal(DoneFatalErr)
					}
				}()
				return
			}
			totemLog.Errorf("%v", err)
			select {
			case <-quit:
				return
			case <-time.After(time.Duration(tot.Downcheck) * time.Millisecond):
			}
		}
	}()
	return func() {
		close(quit)
		if r := <-started; r != nil {
			_ = r.Stop()
		}
	}, nil
}

// fatal is corosync_exit_error from inside the loop: C exits at once.
func (d *Daemon) fatal(code int) {
	d.exit(code)
	if !d.params.InProcess {
		d.Logs.Close()
		os.Exit(code)
	}
}

// srpConfig is the part of totem_config totemsrp uses.
func srpConfig(cfg *confparse.Config) totemsrp.Config {
	t := cfg.Totem()
	ms := func(v uint32) time.Duration { return time.Duration(v) * time.Millisecond }
	c := totemsrp.Config{
		NodeID:                      cfg.NodeID(),
		Token:                       ms(t.Token),
		TokenRetransmit:             ms(t.TokenRetransmit),
		Hold:                        ms(t.Hold),
		Join:                        ms(t.Join),
		SendJoin:                    ms(t.SendJoin),
		Consensus:                   ms(t.Consensus),
		Merge:                       ms(t.Merge),
		Downcheck:                   ms(t.Downcheck),
		MaxNetworkDelay:             ms(t.MaxNetworkDelay),
		TokenRetransmitsBeforeLoss:  t.TokenRetransmitsBeforeLoss,
		TokenWarning:                t.TokenWarning,
		FailRecvConst:               t.FailRecvConst,
		SeqnoUnchangedConst:         t.SeqnoUnchangedConst,
		WindowSize:                  t.WindowSize,
		MaxMessages:                 t.MaxMessages,
		MissCountConst:              t.MissCountConst,
		HeartbeatFailuresAllowed:    t.HeartbeatFailures,
		CancelTokenHoldOnRetransmit: t.CancelTokenHoldOnRetransmit,
		NetMTU:                      int(t.NetMTU),
	}
	if c.NetMTU == 0 {
		c.NetMTU = 1500
	}
	return c
}

// transportMembers are the nodelist's link 0 addresses, the members a
// udpu transport sends to.
func transportMembers(cfg *confparse.Config) []transport.Member {
	var members []transport.Member
	for _, n := range cfg.Nodes() {
		if n.Addrs[0] == nil {
			continue
		}
		members = append(members, transport.Member{NodeID: n.NodeID, Addrs: []netip.Addr{toAddr(n.Addrs[0])}})
	}
	return members
}

func toAddr(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}

// transportOpener returns what opens the configured transport, logging
// what totemudp(u) logs when it initializes.
func (d *Daemon) transportOpener(cfg *confparse.Config, log *logsys.Logger) (func() (transport.Transport, error), error) {
	tot := cfg.Totem()
	links := cfg.Links()
	if len(links) == 0 {
		return nil, fmt.Errorf("no totem interface configured")
	}
	l0 := links[0]
	members := transportMembers(cfg)
	netMTU := int(tot.NetMTU)
	if netMTU == 0 {
		netMTU = 1500
	}
	if d.params.InProcess {
		// A daemon inside a test process must not take real ports: it
		// gets a private in-memory network where it is alone.
		return func() (transport.Transport, error) {
			t := transport.NewMemNetwork().Join(cfg.NodeID(), netMTU, 1024)
			err := t.SetMembers([]transport.Member{{NodeID: cfg.NodeID()}})
			return t, err
		}, nil
	}
	tc := transport.Config{
		BindAddr:         toAddr(l0.LocalAddr),
		Port:             l0.Port,
		Members:          members,
		NetMTU:           netMTU,
		AllowUnlistedIPs: !tot.BlockUnlistedIPs,
		McastAddr:        toAddr(l0.Mcast),
		ClusterName:      tot.ClusterName,
		Broadcast:        tot.Broadcast,
		TTL:              l0.TTL,
	}
	first := true
	switch tot.Transport {
	case "udpu":
		return func() (transport.Transport, error) {
			if first {
				log.Noticef("Initializing transport (UDP/IP Unicast).")
			}
			t, err := transport.NewUDPU(tc)
			if err != nil {
				first = false
				return nil, err
			}
			log.Noticef("The network interface [%s] is now up.", tc.BindAddr)
			log.Infof("Configuring link %d", l0.Number)
			for _, m := range members {
				log.Noticef("adding new UDPU member {%s}", m.Addrs[0])
			}
			return t, nil
		}, nil
	case "udp":
		return func() (transport.Transport, error) {
			if first {
				log.Noticef("Initializing transport (UDP/IP Multicast).")
			}
			t, err := transport.NewUDP(tc)
			if err != nil {
				first = false
				return nil, err
			}
			log.Noticef("The network interface [%s] is now up.", tc.BindAddr)
			return t, nil
		}, nil
	}
	return nil, fmt.Errorf("transport %s is not supported by this daemon yet", tot.Transport)
}
