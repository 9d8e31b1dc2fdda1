package confparse

import "fmt"

// cbState is coroparse.c's main_cp_cb_data_state.
type cbState int

const (
	cbNormal cbState = iota
	cbTotem
	cbInterface
	cbLoggerSubsys
	cbUIDGID
	cbLoggingDaemon
	cbMember
	cbQuorum
	cbQDevice
	cbNodelist
	cbNodelistNode
	cbSystem
	cbResources
	cbResourcesSystem
	cbResourcesProcess
	cbResourcesSystemMemUsed
	cbResourcesProcessMemUsed
)

// Section paths that switch state (C compares the full path).
var sectionStates = map[string]cbState{
	"totem.interface":               cbInterface,
	"totem":                         cbTotem,
	"system":                        cbSystem,
	"logging.logger_subsys":         cbLoggerSubsys,
	"logging.logging_daemon":        cbLoggingDaemon,
	"uidgid":                        cbUIDGID,
	"totem.interface.member":        cbMember,
	"quorum":                        cbQuorum,
	"quorum.device":                 cbQDevice,
	"nodelist":                      cbNodelist,
	"nodelist.node":                 cbNodelistNode,
	"resources":                     cbResources,
	"resources.system":              cbResourcesSystem,
	"resources.system.memory_used":  cbResourcesSystemMemUsed,
	"resources.process":             cbResourcesProcess,
	"resources.process.memory_used": cbResourcesProcessMemUsed,
}

// Typed keys by full path, per state, as main_config_parser_cb types them.
// Everything else is stored as a string.
var (
	quorumTyped = map[string]intRange{
		"quorum.expected_votes": rangeU32, "quorum.votes": rangeU32,
		"quorum.last_man_standing_window": rangeU32, "quorum.leaving_timeout": rangeU32,
		"quorum.two_node": rangeU8, "quorum.expected_votes_tracking": rangeU8,
		"quorum.allow_downscale": rangeU8, "quorum.wait_for_all": rangeU8,
		"quorum.auto_tie_breaker": rangeU8, "quorum.last_man_standing": rangeU8,
	}
	qdeviceTyped = map[string]intRange{
		"quorum.device.timeout": rangeU32, "quorum.device.sync_timeout": rangeU32,
		"quorum.device.votes": rangeU32, "quorum.device.master_wins": rangeU8,
	}
	totemU32 = map[string]bool{
		"totem.version": true, "totem.nodeid": true, "totem.threads": true, "totem.token": true,
		"totem.token_coefficient": true, "totem.token_retransmit": true, "totem.token_warning": true,
		"totem.hold": true, "totem.token_retransmits_before_loss_const": true, "totem.join": true,
		"totem.send_join": true, "totem.consensus": true, "totem.merge": true, "totem.downcheck": true,
		"totem.fail_recv_const": true, "totem.seqno_unchanged_const": true,
		"totem.rrp_token_expired_timeout": true, "totem.rrp_problem_count_timeout": true,
		"totem.rrp_problem_count_threshold": true, "totem.rrp_problem_count_mcast_threshold": true,
		"totem.rrp_autorecovery_check_timeout": true, "totem.heartbeat_failures_allowed": true,
		"totem.max_network_delay": true, "totem.window_size": true, "totem.max_messages": true,
		"totem.miss_count_const": true, "totem.knet_pmtud_interval": true, "totem.knet_mtu": true,
		"totem.knet_compression_threshold": true, "totem.netmtu": true,
	}
)

// Models the Debian libknet1 (1.25) build offers; C asks libknet at run time.
var (
	knetCryptoModels   = []string{"nss", "openssl"}
	knetCompressModels = []string{"zlib", "lz4", "lz4hc", "lzo2", "lzma", "bzip2", "zstd"}
)

func knetModelList(models []string) string {
	s := ""
	for i, m := range models {
		switch {
		case i == 0:
		case i == len(models)-1:
			s += " or "
		default:
			s += ", "
		}
		s += m
	}
	return s
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

type kv struct{ key, value string }

// mainCB is main_config_parser_cb with its main_cp_cb_data.
type mainCB struct {
	m   *icmap
	ids idLookup

	linknumber                                       int64
	bindnetaddr, mcastaddr, broadcast, knetTransport *string
	mcastport, ttl, knetLinkPriority                 int64
	knetPingInterval, knetPingTimeout                int64
	knetPingPrecision, knetPongCount                 int64
	members                                          []kv // newest first, like qb_list_add
	subsysItems                                      []kv // newest first
	subsys, loggingDaemonName                        *string
	nodeNumber                                       uint32

	// loggerFreed is set once a logger_subsys/logging_daemon-state section
	// has closed: C frees its collected data without resetting the
	// pointers, so a second close before a new logger section (a section
	// nested inside one) works on freed memory and crashes.
	loggerFreed, loggerFreedItems bool
}

func (d *mainCB) store(keyName string, v any) error {
	if e := d.m.set(keyName, v); e != "" {
		return setError(keyName, e)
	}
	return nil
}

func (d *mainCB) storeInt(keyName string, r intRange, value string, conv func(int64) any) error {
	v, ok := safeAtoq(value, r.min, r.max)
	if !ok {
		return atoiError(keyName, r, value)
	}
	return d.store(keyName, conv(v))
}

func u8(v int64) any  { return uint8(v) }
func u32(v int64) any { return uint32(v) }
func i32(v int64) any { return int32(v) }

func strPtr(s string) *string { return &s }

func (d *mainCB) item(path, key, value string, state cbState) error {
	switch state {
	case cbQuorum:
		if r, ok := quorumTyped[path]; ok {
			if r == rangeU8 {
				return d.storeInt(path, r, value, u8)
			}
			return d.storeInt(path, r, value, u32)
		}
	case cbQDevice:
		if r, ok := qdeviceTyped[path]; ok {
			if r == rangeU8 {
				return d.storeInt(path, r, value, u8)
			}
			return d.storeInt(path, r, value, u32)
		}
	case cbTotem:
		return d.totemItem(path, value)
	case cbSystem:
		if err := systemCheck(path, value); err != nil {
			return err
		}
	case cbInterface:
		return d.interfaceItem(path, value)
	case cbLoggerSubsys, cbLoggingDaemon:
		if d.loggerFreed {
			d.loggerFreedItems = true // added to a list whose head points into freed memory
		}
		switch {
		case key == "subsys":
			d.subsys = strPtr(value)
		case key == "name" && state == cbLoggingDaemon:
			d.loggingDaemonName = strPtr(value)
		default:
			d.subsysItems = append([]kv{{key, value}}, d.subsysItems...)
		}
		return nil
	case cbUIDGID:
		return uidgidItem(d.m, d.ids, key, value)
	case cbMember:
		if key != "memberaddr" {
			return cbError("Only memberaddr is allowed in member section")
		}
		d.members = append([]kv{{key, value}}, d.members...)
		return nil
	case cbNodelistNode:
		keyName := fmt.Sprintf("nodelist.node.%d.%s", d.nodeNumber, key)
		if key == "nodeid" || key == "quorum_votes" {
			return d.storeInt(keyName, rangeU32, value, u32)
		}
		return d.store(keyName, value)
	case cbResources:
		if key == "watchdog_timeout" {
			return d.storeInt(path, rangeU32, value, u32)
		}
	case cbResourcesSystem, cbResourcesSystemMemUsed, cbResourcesProcess, cbResourcesProcessMemUsed:
		if key == "poll_period" {
			v, ok := strToULL(value)
			if !ok {
				return u64Error(path, value)
			}
			return d.store(path, v)
		}
	}
	return d.store(path, value)
}

func (d *mainCB) totemItem(path, value string) error {
	if totemU32[path] {
		return d.storeInt(path, rangeU32, value, u32)
	}
	switch path {
	case "totem.knet_compression_level":
		return d.storeInt(path, rangeI32, value, i32)
	case "totem.config_version":
		v, ok := strToULL(value)
		if !ok {
			return u64Error(path, value)
		}
		return d.store(path, v)
	case "totem.ip_version":
		if !oneOf(value, "ipv4", "ipv6", "ipv6-4", "ipv4-6") {
			return cbError("Invalid ip_version type")
		}
	case "totem.crypto_model":
		if !oneOf(value, knetCryptoModels...) {
			return cbError("Invalid crypto model. Should be " + knetModelList(knetCryptoModels))
		}
	case "totem.crypto_cipher":
		if !oneOf(value, "none", "aes256", "aes192", "aes128") {
			return cbError("Invalid cipher type. Should be none, aes256, aes192 or aes128")
		}
	case "totem.crypto_hash":
		if !oneOf(value, "none", "md5", "sha1", "sha256", "sha384", "sha512") {
			return cbError("Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512")
		}
	case "totem.knet_compression_model":
		if !oneOf(value, knetCompressModels...) {
			return cbError("Invalid compression model. Should be " + knetModelList(knetCompressModels))
		}
	}
	return d.store(path, value)
}

func systemCheck(path, value string) error {
	switch path {
	case "system.qb_ipc_type":
		if !oneOf(value, "native", "shm", "socket") {
			return cbError("Invalid system.qb_ipc_type")
		}
	case "system.sched_rr":
		if !oneOf(value, "yes", "no") {
			return cbError("Invalid system.sched_rr value")
		}
	case "system.move_to_root_cgroup":
		if !oneOf(value, "yes", "no", "auto") {
			return cbError("Invalid system.move_to_root_cgroup")
		}
	case "system.allow_knet_handle_fallback":
		if !oneOf(value, "yes", "no") {
			return cbError("Invalid system.allow_knet_handle_fallback")
		}
	}
	return nil
}

// interfaceItem collects an interface section; the keys are only written,
// under the section's linknumber, when the section closes.
func (d *mainCB) interfaceItem(path, value string) error {
	num := func(r intRange, dst *int64) error {
		v, ok := safeAtoq(value, r.min, r.max)
		if !ok {
			return atoiError(path, r, value)
		}
		*dst = v
		return nil
	}
	switch path {
	case "totem.interface.linknumber":
		return num(rangeU8, &d.linknumber)
	case "totem.interface.bindnetaddr":
		d.bindnetaddr = strPtr(value)
	case "totem.interface.mcastaddr":
		d.mcastaddr = strPtr(value)
	case "totem.interface.broadcast":
		d.broadcast = strPtr(value)
	case "totem.interface.mcastport":
		return num(rangeU16, &d.mcastport)
	case "totem.interface.ttl":
		return num(rangeU8, &d.ttl)
	case "totem.interface.knet_link_priority":
		return num(rangeU8, &d.knetLinkPriority)
	case "totem.interface.knet_ping_interval":
		return num(rangeU32, &d.knetPingInterval)
	case "totem.interface.knet_ping_timeout":
		return num(rangeU32, &d.knetPingTimeout)
	case "totem.interface.knet_ping_precision":
		return num(rangeU32, &d.knetPingPrecision)
	case "totem.interface.knet_pong_count":
		return num(rangeU32, &d.knetPongCount)
	case "totem.interface.knet_transport":
		d.knetTransport = strPtr(value)
	default:
		// Unknown keys are kept verbatim, without the link number.
		return d.store(path, value)
	}
	return nil
}

func (d *mainCB) sectionStart(path string, state *cbState) error {
	st, ok := sectionStates[path]
	if !ok {
		return nil
	}
	*state = st
	switch st {
	case cbInterface:
		d.linknumber = 0
		d.mcastport, d.ttl, d.knetLinkPriority = -1, -1, -1
		d.knetPingInterval, d.knetPingTimeout, d.knetPingPrecision, d.knetPongCount = -1, -1, -1, -1
		d.knetTransport = nil
		d.members = nil
	case cbLoggerSubsys:
		d.subsysItems, d.subsys = nil, nil
		d.loggerFreed, d.loggerFreedItems = false, false
	case cbLoggingDaemon:
		d.subsysItems, d.subsys, d.loggingDaemonName = nil, nil, nil
		d.loggerFreed, d.loggerFreedItems = false, false
	case cbNodelist:
		d.nodeNumber = 0
	}
	return nil
}

func (d *mainCB) sectionEnd(path string, state *cbState) error {
	switch *state {
	case cbInterface:
		return d.interfaceEnd()
	case cbLoggerSubsys, cbLoggingDaemon:
		if d.loggerFreed {
			// Measured on 3.1.7: walking the stale item list segfaults;
			// with no items the second free of the name aborts.
			status := statusAbort
			if d.loggerFreedItems {
				status = statusSegv
			}
			return crashError{status: status,
				msg: "section nested in " + path[:lastDot(path)] + ": corosync 3.1.7 crashes on this (use after free)"}
		}
		d.loggerFreedItems = len(d.subsysItems) > 0
		var err error
		if *state == cbLoggerSubsys {
			err = d.loggerSubsysEnd()
		} else {
			err = d.loggingDaemonEnd()
		}
		d.loggerFreed = err == nil
		return err
	case cbNodelistNode:
		d.nodeNumber++
	}
	return nil
}

func (d *mainCB) interfaceEnd() error {
	link := d.linknumber
	key := func(name string) string { return fmt.Sprintf("totem.interface.%d.%s", link, name) }
	for _, s := range []struct {
		name string
		v    **string
	}{{"bindnetaddr", &d.bindnetaddr}, {"mcastaddr", &d.mcastaddr}, {"broadcast", &d.broadcast}} {
		if *s.v != nil {
			v := **s.v
			*s.v = nil
			if err := d.store(key(s.name), v); err != nil {
				return err
			}
		}
	}
	if d.mcastport > -1 {
		if err := d.store(key("mcastport"), uint16(d.mcastport)); err != nil {
			return err
		}
	}
	if d.ttl > -1 {
		if err := d.store(key("ttl"), uint8(d.ttl)); err != nil {
			return err
		}
	}
	if d.knetLinkPriority > -1 {
		if err := d.store(key("knet_link_priority"), uint8(d.knetLinkPriority)); err != nil {
			return err
		}
	}
	for _, s := range []struct {
		name string
		v    int64
	}{{"knet_ping_interval", d.knetPingInterval}, {"knet_ping_timeout", d.knetPingTimeout},
		{"knet_ping_precision", d.knetPingPrecision}, {"knet_pong_count", d.knetPongCount}} {
		// C keeps these in an int: values above INT_MAX wrap negative
		// and are then silently dropped by the "> -1" test.
		if int32(s.v) > -1 {
			if err := d.store(key(s.name), uint32(s.v)); err != nil {
				return err
			}
		}
	}
	if d.knetTransport != nil {
		if err := d.store(key("knet_transport"), *d.knetTransport); err != nil {
			return err
		}
	}
	for i, m := range d.members {
		if err := d.store(fmt.Sprintf("totem.interface.%d.member.%d", link, i), m.value); err != nil {
			return err
		}
	}
	d.members = nil
	return nil
}

func (d *mainCB) loggerSubsysEnd() error {
	if d.subsys == nil {
		return cbError("No subsys key in logger_subsys directive")
	}
	sub := *d.subsys
	for _, it := range d.subsysItems {
		if err := d.store(fmt.Sprintf("logging.logger_subsys.%s.%s", sub, it.key), it.value); err != nil {
			return err
		}
	}
	d.subsysItems = nil
	return d.store(fmt.Sprintf("logging.logger_subsys.%s.subsys", sub), sub)
}

func (d *mainCB) loggingDaemonEnd() error {
	if d.loggingDaemonName == nil {
		return cbError("No name key in logging_daemon directive")
	}
	name := *d.loggingDaemonName
	for _, it := range d.subsysItems {
		var k string
		switch {
		case d.subsys == nil && name == "corosync":
			k = "logging." + it.key
		case d.subsys == nil:
			k = fmt.Sprintf("logging.logging_daemon.%s.%s", name, it.key)
		case name == "corosync":
			k = fmt.Sprintf("logging.logger_subsys.%s.%s", *d.subsys, it.key)
		default:
			k = fmt.Sprintf("logging.logging_daemon.%s.%s.%s", name, *d.subsys, it.key)
		}
		if err := d.store(k, it.value); err != nil {
			return err
		}
	}
	d.subsysItems = nil
	switch {
	case d.subsys == nil && name == "corosync":
		return nil
	case d.subsys == nil:
		return d.store(fmt.Sprintf("logging.logging_daemon.%s.name", name), name)
	case name == "corosync":
		return d.store(fmt.Sprintf("logging.logger_subsys.%s.subsys", *d.subsys), *d.subsys)
	}
	if err := d.store(fmt.Sprintf("logging.logging_daemon.%s.%s.subsys", name, *d.subsys), *d.subsys); err != nil {
		return err
	}
	return d.store(fmt.Sprintf("logging.logging_daemon.%s.%s.name", name, *d.subsys), name)
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return len(s)
}
