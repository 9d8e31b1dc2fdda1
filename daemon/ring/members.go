package ring

import (
	"fmt"

	"github.com/gorosync/gorosync/daemon/logsys"
)

// memberJoined is main.c's member_object_joined: a node seen before gets
// its join_count bumped, a new one its ip; both are "joined".
func (r *Ring) memberJoined(id uint32) {
	m := r.cfg.Map
	ipKey := fmt.Sprintf("runtime.members.%d.ip", id)
	countKey := fmt.Sprintf("runtime.members.%d.join_count", id)
	statusKey := fmt.Sprintf("runtime.members.%d.status", id)
	ip := r.memberIP(id)
	if m != nil {
		if _, _, err := m.Get(ipKey); err == nil {
			n, _ := m.GetUint32(countKey)
			_ = m.Set(countKey, n+1)
		} else {
			_ = m.Set(ipKey, ip)
			_ = m.Set(countKey, uint32(1))
		}
		_ = m.Set(statusKey, "joined")
	}
	r.log("MAIN", logsys.Debug, "Member joined: %s", ip)
}

// memberLeft is member_object_left.
func (r *Ring) memberLeft(id uint32) {
	if m := r.cfg.Map; m != nil {
		_ = m.Set(fmt.Sprintf("runtime.members.%d.status", id), "left")
	}
	r.log("MAIN", logsys.Debug, "Member left: %d", id)
}

func (r *Ring) memberIP(id uint32) string {
	if r.cfg.MemberIP != nil {
		return r.cfg.MemberIP(id)
	}
	return fmt.Sprintf("r(0) ip(%d) ", id)
}
