package sync

import (
	"fmt"

	"github.com/gorosync/gorosync/wire"
)

// Service ids and names of the C services that take part in sync
// (include/corosync/corodefs.h; the .name of each service engine).
const (
	ServiceCmap       = 0
	ServiceCpg        = 2
	ServiceQuorum     = 3
	ServiceVotequorum = 5
)

var compatNames = map[int]string{
	ServiceCmap:       "corosync configuration map access",
	ServiceCpg:        "corosync cluster closed process group service v1.01",
	ServiceQuorum:     "corosync cluster quorum service v0.1",
	ServiceVotequorum: "corosync vote quorum service v1.0",
}

// announceOnly takes part in the barriers under a C service's id and name
// and sends nothing. It lets C peers complete sync with us before the real
// engine exists; they then lack what that engine would have synced (for
// votequorum: our NODEINFO, so our vote is not counted).
type announceOnly struct{ id int }

func (a announceOnly) ID() int                         { return a.id }
func (a announceOnly) Name() string                    { return compatNames[a.id] }
func (announceOnly) Init(_, _ []uint32, _ wire.RingID) {}
func (announceOnly) Process() bool                     { return true }
func (announceOnly) Activate()                         {}
func (announceOnly) Abort()                            {}

// CompatServices is the C-compatible announcement mode: the list a C node
// with votequorum announces, [0 cmap, 2 cpg, 3 quorum, 5 votequorum]. The
// quorum service is the real one as far as sync goes (it only computes and
// logs the sync view); the others are announce-only placeholders. Replace
// entries with real engines as they appear. event receives the quorum
// service's log lines ("Sync members[2]: 1 2").
func CompatServices(event func(Event)) []Service {
	return []Service{
		announceOnly{id: ServiceCmap},
		announceOnly{id: ServiceCpg},
		NewQuorumSync(event),
		announceOnly{id: ServiceVotequorum},
	}
}

// QuorumSync is vsf_quorum's sync part: it works out which nodes joined and
// left since the last completed round and logs the sync view.
type QuorumSync struct {
	event               func(Event)
	members, oldMembers []uint32
	joined, left        []uint32
	lastRing            wire.RingID
	activated           func(members []uint32)
}

// NewQuorumSync makes the quorum service's sync callbacks.
func NewQuorumSync(event func(Event)) *QuorumSync { return &QuorumSync{event: event} }

// OnActivate sets a hook told of the membership each time a round commits
// (vsf_quorum notifies its library trackers there).
func (q *QuorumSync) OnActivate(f func(members []uint32)) { q.activated = f }

func (q *QuorumSync) ID() int      { return ServiceQuorum }
func (q *QuorumSync) Name() string { return compatNames[ServiceQuorum] }

func contains(l []uint32, n uint32) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

// Init is quorum_sync_init.
func (q *QuorumSync) Init(trans, members []uint32, ring wire.RingID) {
	q.members = append(q.members[:0], members...)
	q.lastRing = ring
	q.left = q.left[:0]
	for _, o := range q.oldMembers {
		// Listed in the transitional membership but missing from the new
		// one cannot really happen; C counts it as left all the same.
		if !contains(trans, o) || !contains(q.members, o) {
			q.left = append(q.left, o)
		}
	}
	q.joined = q.joined[:0]
	for _, m := range q.members {
		if !contains(q.oldMembers, m) || contains(q.left, m) {
			q.joined = append(q.joined, m)
		}
	}
	q.logView(q.members, "Sync members")
	if len(q.joined) > 0 {
		q.logView(q.joined, "Sync joined")
	}
	if len(q.left) > 0 {
		q.logView(q.left, "Sync left")
	}
}

// logView is log_view_list: " id" entries in lines of at most 63
// characters, continued lines ending in a backslash.
func (q *QuorumSync) logView(list []uint32, what string) {
	if q.event == nil {
		return
	}
	for i := 0; ; {
		buf := ""
		for ; i < len(list); i++ {
			s := fmt.Sprintf(" %d", list[i])
			if len(buf)+len(s) >= 64 {
				break
			}
			buf += s
		}
		cont := ""
		if i < len(list) {
			cont = "\\"
		}
		q.event(Event{Level: LevelNotice, Subsys: "QUORUM", Msg: fmt.Sprintf("%s[%d]:%s%s", what, len(list), buf, cont)})
		if i == len(list) {
			return
		}
	}
}

func (q *QuorumSync) Process() bool { return true }

// Activate is quorum_sync_activate.
func (q *QuorumSync) Activate() {
	q.oldMembers = append(q.oldMembers[:0], q.members...)
	if q.activated != nil {
		q.activated(append([]uint32(nil), q.members...))
	}
}

func (q *QuorumSync) Abort() {}
