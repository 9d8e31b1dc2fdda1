package cfg

import (
	"testing"

	"github.com/gorosync/gorosync/wire"
)

func tryShutdown(flags uint32) []byte { return (&wire.CfgReqTryShutdown{Flags: flags}).Append(nil) }
func replyTo(yes uint32) []byte       { return (&wire.CfgReqReplyToShutdown{Response: yes}).Append(nil) }
func trackStart() []byte              { return (&wire.CfgReqTrackStart{}).Append(nil) }

// corosync-cfgtool -H with nobody tracking: OK at once, SHUTDOWN goes out
// SAFE, and the node leaves when its own message comes back.
func TestTryShutdownNoTrackers(t *testing.T) {
	f := newFixture(t, nil)
	c := f.dial()
	if st := c.status(tryShutdown(wire.CfgShutdownFlagRequest), wire.MessageResCfgTryShutdown); st != wire.CsOK {
		t.Fatalf("status %v", st)
	}
	f.waitEvent("shutdown")
	f.waitLog("notice Node 1 was shut down by sysadmin")
	if ids := f.node.sentIDs(); len(ids) != 1 || ids[0] != execShutdownID {
		t.Fatalf("sent %v", ids)
	}
	// The session is closed (unlike C): no second answer, no new query.
	if st := c.status(replyTo(1), wire.MessageResCfgReplyToShutdown); st != wire.CsErrAccess {
		t.Fatalf("reply after the decision: %v", st)
	}
	tr := f.dial()
	tr.status(trackStart(), wire.MessageResCfgStateTrackStart)
	tr.noEvent()
}

func TestTryShutdownImmediateIgnoresTrackers(t *testing.T) {
	f := newFixture(t, nil)
	tr := f.dial()
	if st := tr.status(trackStart(), wire.MessageResCfgStateTrackStart); st != wire.CsOK {
		t.Fatal(st)
	}
	c := f.dial()
	if st := c.status(tryShutdown(wire.CfgShutdownFlagImmediate), wire.MessageResCfgTryShutdown); st != wire.CsOK {
		t.Fatal(st)
	}
	f.waitEvent("shutdown")
	tr.noEvent()
}

// pacemakerd's veto: it tracks, gets TESTSHUTDOWN and answers NO; the
// requester gets CS_ERR_BUSY and nothing is sent.
func TestTryShutdownVeto(t *testing.T) {
	f := newFixture(t, nil)
	tr := f.dial()
	tr.status(trackStart(), wire.MessageResCfgStateTrackStart)
	c := f.dial()
	if err := c.c.Send(tryShutdown(wire.CfgShutdownFlagRequest)); err != nil {
		t.Fatal(err)
	}
	ev := tr.event()
	if ev.Error != wire.CsOK || ev.Flags != wire.CfgShutdownFlagRequest {
		t.Fatalf("event %+v", ev)
	}
	if st := tr.status(replyTo(wire.CfgShutdownReplyNo), wire.MessageResCfgReplyToShutdown); st != wire.CsOK {
		t.Fatal(st)
	}
	res, err := c.c.Recv(5e9)
	if err != nil {
		t.Fatal(err)
	}
	if st := c.statusOf(res, wire.MessageResCfgTryShutdown); st != wire.CsErrBusy {
		t.Fatalf("status %v, want BUSY", st)
	}
	f.waitLog("debug shutdown decision is: (yes count: 0, no count: 1) flags=0")
	f.noEvents()
	if ids := f.node.sentIDs(); len(ids) != 0 {
		t.Fatalf("sent %v", ids)
	}
	// The session is over: a reply now is refused.
	if st := tr.status(replyTo(1), wire.MessageResCfgReplyToShutdown); st != wire.CsErrAccess {
		t.Fatalf("late reply %v", st)
	}
}

// --force (REGARDLESS) shuts down over a veto.
func TestTryShutdownRegardless(t *testing.T) {
	f := newFixture(t, nil)
	tr := f.dial()
	tr.status(trackStart(), wire.MessageResCfgStateTrackStart)
	c := f.dial()
	c.c.Send(tryShutdown(wire.CfgShutdownFlagRegardless))
	if ev := tr.event(); ev.Flags != wire.CfgShutdownFlagRegardless {
		t.Fatalf("event %+v", ev)
	}
	tr.status(replyTo(wire.CfgShutdownReplyNo), wire.MessageResCfgReplyToShutdown)
	res, _ := c.c.Recv(5e9)
	if st := c.statusOf(res, wire.MessageResCfgTryShutdown); st != wire.CsOK {
		t.Fatalf("status %v", st)
	}
	f.waitEvent("shutdown")
}

// Two trackers agree; a second request meanwhile is CS_ERR_EXIST; a
// tracker that starts during the session is asked too.
func TestTryShutdownAllAgree(t *testing.T) {
	f := newFixture(t, nil)
	a, b := f.dial(), f.dial()
	a.status(trackStart(), wire.MessageResCfgStateTrackStart)
	b.status(trackStart(), wire.MessageResCfgStateTrackStart)
	c := f.dial()
	c.c.Send(tryShutdown(wire.CfgShutdownFlagRequest))
	a.event()
	b.event()
	if st := f.dial().status(tryShutdown(0), wire.MessageResCfgTryShutdown); st != wire.CsErrExist {
		t.Fatalf("second request %v", st)
	}
	late := f.dial()
	late.status(trackStart(), wire.MessageResCfgStateTrackStart)
	late.event()
	a.status(replyTo(1), wire.MessageResCfgReplyToShutdown)
	b.status(replyTo(1), wire.MessageResCfgReplyToShutdown)
	f.noEvents()
	late.status(replyTo(1), wire.MessageResCfgReplyToShutdown)
	res, _ := c.c.Recv(5e9)
	if st := c.statusOf(res, wire.MessageResCfgTryShutdown); st != wire.CsOK {
		t.Fatalf("status %v", st)
	}
	f.waitEvent("shutdown")
}

// A tracker that goes away counts as YES; one that stops tracking too.
func TestTryShutdownTrackerLeaves(t *testing.T) {
	f := newFixture(t, nil)
	a, b := f.dial(), f.dial()
	a.status(trackStart(), wire.MessageResCfgStateTrackStart)
	b.status(trackStart(), wire.MessageResCfgStateTrackStart)
	c := f.dial()
	c.c.Send(tryShutdown(0))
	a.event()
	b.event()
	a.c.Close()
	if st := b.status(wire.CfgReqHeaderOnly(wire.MessageReqCfgTrackStop), wire.MessageResCfgStateTrackStop); st != wire.CsOK {
		t.Fatal(st)
	}
	res, _ := c.c.Recv(5e9)
	if st := c.statusOf(res, wire.MessageResCfgTryShutdown); st != wire.CsOK {
		t.Fatalf("status %v", st)
	}
	f.waitEvent("shutdown")
}

// Silence until cfg.shutdown_timeout: undecided count as NO, so BUSY. The
// CS_ERR_TIMEOUT broadcast reaches only trackers that once asked for a
// shutdown themselves (C's cfg_info.conn quirk).
func TestTryShutdownTimeout(t *testing.T) {
	f := newFixture(t, nil)
	tr, asker := f.dial(), f.dial()
	tr.status(trackStart(), wire.MessageResCfgStateTrackStart)
	asker.status(trackStart(), wire.MessageResCfgStateTrackStart)
	// asker's own request goes through: tr agrees.
	asker.c.Send(tryShutdown(0))
	tr.event()
	tr.status(replyTo(1), wire.MessageResCfgReplyToShutdown)
	res, _ := asker.c.Recv(5e9)
	if st := asker.statusOf(res, wire.MessageResCfgTryShutdown); st != wire.CsOK {
		t.Fatalf("status %v", st)
	}
	f.waitEvent("shutdown")
	<-f.timers // the first session's timer, deleted

	c := f.dial()
	c.c.Send(tryShutdown(0))
	tr.event()
	if ev := asker.event(); ev.Error != wire.CsOK {
		t.Fatalf("asker event %+v", ev)
	}
	f.fireTimer()
	res, _ = c.c.Recv(5e9)
	if st := c.statusOf(res, wire.MessageResCfgTryShutdown); st != wire.CsErrBusy {
		t.Fatalf("status %v", st)
	}
	if ev := asker.event(); ev.Error != wire.CsErrTimeout {
		t.Fatalf("event %+v", ev)
	}
	tr.noEvent()
	f.noEvents()
}

// The requester leaving cancels the session; a stale timer does nothing.
func TestTryShutdownRequesterLeaves(t *testing.T) {
	f := newFixture(t, nil)
	tr := f.dial()
	tr.status(trackStart(), wire.MessageResCfgStateTrackStart)
	c := f.dial()
	c.c.Send(tryShutdown(0))
	tr.event()
	c.c.Close()
	f.waitNoSession()
	f.fireTimer()
	tr.noEvent()
	if st := tr.status(replyTo(1), wire.MessageResCfgReplyToShutdown); st != wire.CsErrAccess {
		t.Fatalf("reply after cancel %v", st)
	}
	f.noEvents()
}

func TestShutdownFromOtherNode(t *testing.T) {
	f := newFixture(t, nil)
	msg, _ := (&wire.CfgShutdown{}).Append(nil)
	f.eng.Deliver(2, msg)
	f.waitLog("notice Node 2 was shut down by sysadmin")
	f.noEvents()
}
