package votequorum

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gorosync/gorosync/daemon/icmap"
)

func (e *Engine) getU32(key string) (uint32, bool) {
	v, err := e.opt.Map.GetUint32(key)
	return v, err == nil
}

func (e *Engine) getU8(key string) (uint8, bool) {
	v, err := e.opt.Map.GetUint8(key)
	return v, err == nil
}

// readNodelist is votequorum_read_nodelist_configuration: the sum of
// quorum_votes (default 1) over the nodelist, and our own votes.
func (e *Engine) readNodelist() (votes, nodes, expected uint32, ok bool) {
	ourPos, have := e.getU32("nodelist.local_node_pos")
	if !have {
		e.logf(LevelDebug, "No nodelist defined or our node is not in the nodelist")
		return 0, 0, 0, false
	}
	last := ^uint32(0)
	it := e.opt.Map.Iter("nodelist.node.")
	for {
		key, _, _, more := it.Next()
		if !more {
			break
		}
		rest := strings.TrimPrefix(key, "nodelist.node.")
		dot := strings.IndexByte(rest, '.')
		if dot <= 0 || dot == len(rest)-1 {
			continue
		}
		p, err := strconv.ParseUint(rest[:dot], 10, 32)
		if err != nil {
			continue
		}
		pos := uint32(p)
		if pos == last {
			continue
		}
		last = pos
		nodes++
		nv, have := e.getU32("nodelist.node." + strconv.FormatUint(p, 10) + ".quorum_votes")
		if !have {
			nv = 1
		}
		expected += nv
		if pos == ourPos {
			votes = nv
		}
	}
	return votes, nodes, expected, true
}

// qdeviceConfigured is votequorum_qdevice_is_configured; votes is -1 when
// quorum.device.votes is absent.
func (e *Engine) qdeviceConfigured() (votes int64, ok bool) {
	model, err := e.opt.Map.GetString("quorum.device.model")
	if err != nil || model == "" {
		return 0, false
	}
	votes = -1
	if v, have := e.getU32("quorum.device.votes"); have {
		votes = int64(v)
	}
	if v, have := e.getU32("quorum.device.timeout"); have {
		e.qdeviceTimeout = v
	} else {
		e.qdeviceTimeout = defaultQdeviceTimeout
	}
	if v, have := e.getU32("quorum.device.sync_timeout"); have {
		e.qdeviceSyncTimeout = v
	} else {
		e.qdeviceSyncTimeout = defaultQdeviceSyncTime
	}
	e.updateQdeviceCanOperate(true)
	return votes, true
}

// parseATB is parse_atb_string: "lowest", "highest" or a list of node ids
// read with atoi/strtol semantics (parsing stops at the first 0 or junk).
func (e *Engine) parseATB(s string) {
	e.atb = atbNone
	if s == "lowest" {
		e.atb = atbLowest
	}
	if s == "highest" {
		e.atb = atbHighest
	}
	if cAtoi(s) != 0 {
		e.atbNodelist = e.atbNodelist[:0]
		rest := s
		for {
			var num int64
			num, rest = cStrtol(rest)
			if num == 0 {
				break
			}
			e.atbNodelist = append(e.atbNodelist, uint32(num))
		}
		if len(e.atbNodelist) > 0 {
			e.atb = atbList
		}
	}
	e.setU32("runtime.votequorum.atb_type", e.atb)
	if e.atb == atbNone {
		e.logf(LevelWarning, "auto_tie_breaker_nodes is not valid. It must be 'lowest', 'highest' or a space-separated list of node IDs. auto_tie_breaker is disabled")
	}
}

// cStrtol parses like strtol(ptr, &end, 10): leading spaces, a sign, digits.
// With no digits it returns 0 and s unchanged.
func cStrtol(s string) (int64, string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	var n int64
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		if n < 1<<40 {
			n = n*10 + int64(s[j]-'0')
		}
		j++
	}
	if j == i {
		return 0, s
	}
	if neg {
		n = -n
	}
	return n, s[j:]
}

func cAtoi(s string) int64 { n, _ := cStrtol(s); return int64(int32(n)) }

func (e *Engine) stateDir() string {
	if e.opt.StateDir != "" {
		return e.opt.StateDir
	}
	if s, err := e.opt.Map.GetString("system.state_dir"); err == nil && s != "" {
		return s
	}
	return "/var/lib/corosync"
}

// loadEvTrackingBarrier is load_ev_tracking_barrier: the file holds one
// native-endian u32 and is created (0) when missing or short.
func (e *Engine) loadEvTrackingBarrier() bool {
	e.evTrackingFile = filepath.Join(e.stateDir(), "ev_tracking")
	if b, err := os.ReadFile(e.evTrackingFile); err == nil && len(b) >= 4 {
		e.evTrackingBarrier = binary.LittleEndian.Uint32(b)
		return true
	}
	e.evTrackingBarrier = 0
	if err := os.WriteFile(e.evTrackingFile, make([]byte, 4), 0o700); err != nil {
		e.logf(LevelWarning, "Unable to create %s file", e.evTrackingFile)
		return false
	}
	return true
}

func (e *Engine) updateEvTrackingBarrier(v uint32) {
	e.evTrackingBarrier = v
	e.setU32("runtime.votequorum.ev_tracking_barrier", v)
	if e.evTrackingFile == "" {
		return
	}
	f, err := os.OpenFile(e.evTrackingFile, os.O_WRONLY, 0)
	if err == nil {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], v)
		_, err = f.WriteAt(b[:], 0)
		if err == nil {
			err = f.Sync()
		}
		f.Close()
	}
	if err != nil {
		e.logf(LevelWarning, "Unable to update ev_tracking_barrier on disk data!!!")
	}
}

func (e *Engine) updateWaitForAllStatus(s bool) {
	e.waitForAllStatus = s
	if s {
		e.us.flags |= flagWFA
	} else {
		e.us.flags &^= flagWFA
	}
	e.setU8("runtime.votequorum.wait_for_all_status", s)
}

func (e *Engine) updateEvBarrier(v uint32) {
	e.evBarrier = v
	e.setU32("runtime.votequorum.ev_barrier", v)
}

func (e *Engine) updateQdeviceCanOperate(s bool) {
	e.qdeviceCanOperate = s
	e.setU8("runtime.votequorum.qdevice_can_operate", s)
}

func (e *Engine) updateQdeviceMasterWins(s bool) {
	e.qdeviceMasterWins = s
	e.setU8("runtime.votequorum.qdevice_master_wins", s)
}

// readConfig is votequorum_readconfig; it returns C's error text, only ever
// at startup (at run time C logs and carries on).
func (e *Engine) readConfig(runtime bool) string {
	var expectedVotes uint32
	e.logf(LevelDebug, "Reading configuration (runtime: %d)", b2i(runtime))
	if runtime {
		e.twoNode = false
		e.atb = e.initialATB
		e.setU32("runtime.votequorum.atb_type", e.atb)
	}
	expectedVotes, _ = e.getU32("quorum.expected_votes")
	nodeVotes, nodeCount, nodeExpected, haveNodelist := e.readNodelist()
	qdeviceVotes, haveQdevice := e.qdeviceConfigured()
	if v, ok := e.getU8("quorum.two_node"); ok {
		e.twoNode = v != 0
	}

	fail := func(msg string, runtimeLog ...string) string {
		if !runtime {
			return msg
		}
		e.logf(LevelCrit, "%s", strings.TrimPrefix(msg, ""))
		for _, l := range runtimeLog {
			e.logf(LevelCrit, "%s", l)
		}
		return ""
	}
	if !haveNodelist && expectedVotes == 0 {
		return fail("configuration error: nodelist or quorum.expected_votes must be configured!", "will continue with current runtime data")
	}
	if e.twoNode && haveQdevice {
		if !runtime {
			return "configuration error: two_node and quorum device cannot be configured at the same time!"
		}
		e.logf(LevelCrit, "configuration error: two_node and quorum device cannot be configured at the same time!")
		if e.us.flags&flagQdevReg != 0 {
			e.logf(LevelCrit, "quorum device is registered, disabling two_node")
			e.twoNode = false
		} else {
			e.logf(LevelCrit, "quorum device is not registered, allowing two_node")
			e.updateQdeviceCanOperate(false)
		}
	}

	if !runtime {
		if v, ok := e.getU8("quorum.allow_downscale"); ok {
			e.allowDownscale = v != 0
		}
		if v, ok := e.getU8("quorum.wait_for_all"); ok {
			e.waitForAll = v != 0
		} else {
			e.waitForAllAutoset = true
		}
		if v, ok := e.getU8("quorum.last_man_standing"); ok {
			e.lastManStanding = v != 0
		}
		if v, ok := e.getU32("quorum.last_man_standing_window"); ok {
			e.lmsWindow = v
		}
		if v, ok := e.getU8("quorum.expected_votes_tracking"); ok {
			e.evTracking = v != 0
		}
		atbOn, _ := e.getU8("quorum.auto_tie_breaker")
		atbString, atbErr := e.opt.Map.GetString("quorum.auto_tie_breaker_node")
		if atbOn != 0 {
			e.atb = atbLowest
			e.setU32("runtime.votequorum.atb_type", e.atb)
		} else {
			e.atb = atbNone
			if atbErr == nil {
				e.logf(LevelWarning, "auto_tie_breaker_node: is meaningless if auto_tie_breaker is set to 0")
			}
		}
		if atbOn != 0 && atbErr == nil {
			e.parseATB(atbString)
		}
		e.initialATB = e.atb
		if e.allowDownscale {
			e.evTracking = true
		}
		if e.evTracking {
			if !e.loadEvTrackingBarrier() {
				return "Unable to load ev_tracking file!"
			}
			e.updateEvTrackingBarrier(e.evTrackingBarrier)
		}
	}

	if e.waitForAllAutoset {
		e.waitForAll = e.twoNode
	}
	if e.twoNode && e.atb != atbNone {
		e.logf(LevelCrit, "two_node and auto_tie_breaker are both specified but are not compatible.")
		e.logf(LevelCrit, "two_node has been disabled, please fix your corosync.conf")
		e.twoNode = false
	}
	if e.atb != atbNone && nodeExpected%2 == 1 && !e.waitForAll {
		if e.lastManStanding {
			e.logf(LevelCrit, "auto_tie_breaker is set, the cluster has an odd number of nodes\n")
			e.logf(LevelCrit, "and last_man_standing is also set. With this situation a better\n")
			e.logf(LevelCrit, "solution would be to disable LMS, leave ATB enabled, and also\n")
			e.logf(LevelCrit, "enable wait_for_all (mandatory for ATB in odd-numbered clusters).\n")
			e.logf(LevelCrit, "Due to this ambiguity, corosync will fail to start. Please fix your corosync.conf\n")
			return "configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster"
		}
		e.logf(LevelCrit, "auto_tie_breaker is set and the cluster has an odd number of nodes.\n")
		e.logf(LevelCrit, "wait_for_all needs to be set for this configuration but it is missing\n")
		e.logf(LevelCrit, "Therefore auto_tie_breaker has been disabled. Please fix your corosync.conf\n")
		e.atb = atbNone
		e.setU32("runtime.votequorum.atb_type", e.atb)
	}

	disable := func(msg string) string {
		if !runtime {
			return msg
		}
		e.logf(LevelCrit, "%s", msg)
		e.logf(LevelCrit, "disabling quorum device operations")
		e.updateQdeviceCanOperate(false)
		return ""
	}
	if haveQdevice && e.lastManStanding {
		if m := disable("configuration error: quorum.device is not compatible with last_man_standing"); m != "" {
			return m
		}
	}
	if haveQdevice && e.atb != atbNone {
		if m := disable("configuration error: quorum.device is not compatible with auto_tie_breaker"); m != "" {
			return m
		}
	}
	if haveQdevice && e.allowDownscale {
		if m := disable("configuration error: quorum.device is not compatible with allow_downscale"); m != "" {
			return m
		}
	}
	if expectedVotes != 0 && haveQdevice && qdeviceVotes == -1 {
		if m := disable("configuration error: quorum.device.votes must be specified when quorum.expected_votes is set"); m != "" {
			return m
		}
	}
	if haveQdevice && qdeviceVotes == -1 && haveNodelist && nodeCount != nodeExpected {
		if m := disable("configuration error: quorum.device.votes must be specified when not all nodes votes 1"); m != "" {
			return m
		}
	}
	if qdeviceVotes > 0 && expectedVotes != 0 {
		// int delta = expected_votes - qdevice_votes, in C's int arithmetic
		if int32(expectedVotes-uint32(qdeviceVotes)) < 2 {
			if m := disable("configuration error: quorum.device.votes is too high or expected_votes is too low"); m != "" {
				return m
			}
		}
	}
	if haveQdevice && qdeviceVotes == -1 && expectedVotes == 0 && haveNodelist && nodeCount == nodeExpected {
		qdeviceVotes = int64(nodeExpected) - 1
		nodeExpected += uint32(qdeviceVotes)
	}

	if e.evTracking {
		expectedVotes = e.evTrackingBarrier
	}
	if haveNodelist {
		e.us.votes = nodeVotes
		e.us.expected = nodeExpected
	} else {
		e.us.votes = 1
		if v, ok := e.getU32("quorum.votes"); ok {
			e.us.votes = v
		}
	}
	if expectedVotes != 0 {
		e.us.expected = expectedVotes
	}
	if !haveQdevice {
		e.qdevice.votes = 0
	}
	if qdeviceVotes != -1 {
		e.qdevice.votes = uint32(qdeviceVotes)
	}
	e.updateEvBarrier(e.us.expected)
	e.setU8("runtime.votequorum.two_node", e.twoNode)
	if e.waitForAll {
		if !runtime {
			e.updateWaitForAllStatus(true)
		}
	} else if e.waitForAllAutoset && e.waitForAllStatus {
		e.updateWaitForAllStatus(false)
	}
	return ""
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ConfigChanged is votequorum_refresh_config, to be called from an icmap
// track on "nodelist.", "quorum." and "config.totemconfig_reload_in_progress".
func (e *Engine) ConfigChanged(key string) {
	if v, ok := e.getU8("config.totemconfig_reload_in_progress"); ok && v != 0 {
		return
	}
	if key == "config.totemconfig_reload_in_progress" {
		if st, err := icmap.GetAs[int32](e.opt.Map, "config.reload_status"); err == nil && st != 1 {
			return
		}
	}
	cancel, _ := e.getU8("quorum.cancel_wait_for_all")
	if key == "quorum.cancel_wait_for_all" && cancel >= 1 {
		_ = e.opt.Map.Set("quorum.cancel_wait_for_all", uint8(0))
		if e.sendReconfigure(paramCancelWFA, e.us.id, 0) != nil {
			e.logf(LevelError, "Failed to send Cancel WFA message to other nodes")
		}
		return
	}
	oldVotes, oldExpected := e.us.votes, e.us.expected
	e.readConfig(true)
	_ = e.sendNodeinfo(e.us.id)
	_ = e.sendNodeinfo(0)
	if e.us.votes != oldVotes && e.sendReconfigure(paramNodeVotes, e.us.id, e.us.votes) != nil {
		e.logf(LevelError, "Failed to send new votes message to other nodes")
	}
	if e.us.expected != oldExpected && e.sendReconfigure(paramExpectedVotes, e.us.id, e.us.expected) != nil {
		e.logf(LevelError, "Failed to send expected votes message to other nodes")
	}
}
