package confparse

import (
	"fmt"
	"math"
)

// cInt is C's (int) conversion of a double as x86-64 performs it: out of
// range gives INT_MIN. The result is then stored in an unsigned field.
func cInt(v float64) uint32 {
	if math.IsNaN(v) || v >= 2147483648 || v < -2147483648 {
		return 0x80000000
	}
	return uint32(int32(v))
}

// volatileRead is totem_volatile_config_read: effective values, defaults
// derived in order, each mirrored to runtime.config.<key>.
func (tc *totemConfig) volatileRead() {
	v := make(map[string]uint32)
	tc.volatileU32 = v
	u32 := func(key string, def uint32, allowZero bool) uint32 {
		x, ok := tc.m.getU32(key)
		if !ok || (!allowZero && x == 0) {
			x = def
		}
		v[key] = x
		tc.m.set("runtime.config."+key, x)
		return x
	}
	retrans := u32("totem.token_retransmits_before_loss_const", 4, false)
	token := u32("totem.token", 3000, false)
	u32("totem.token_warning", 75, true)
	if n := len(tc.ifaces[0].members); n > 2 {
		coef := uint32(tokenCoefficient)
		if c, ok := tc.m.getU32("totem.token_coefficient"); ok {
			coef = c
		}
		token += uint32(n-2) * coef
		v["totem.token"] = token
		tc.m.set("runtime.config.totem.token", token)
	}
	tc.tokenTotal = token
	u32("totem.max_network_delay", 50, false)
	u32("totem.window_size", 50, false)
	u32("totem.max_messages", 17, false)
	u32("totem.miss_count_const", 5, false)
	u32("totem.knet_pmtud_interval", 30, false)
	u32("totem.knet_mtu", 0, false)
	rt := u32("totem.token_retransmit", cInt(float64(token)/(float64(retrans)+0.2)), false)
	u32("totem.hold", cInt(float64(rt)*0.8-10), false)
	u32("totem.join", 50, false)
	u32("totem.consensus", cInt(float64(float32(1.2*float64(token)))), false)
	u32("totem.merge", 200, false)
	u32("totem.downcheck", 1000, false)
	u32("totem.fail_recv_const", 2500, false)
	u32("totem.seqno_unchanged_const", 30, false)
	u32("totem.send_join", 0, true)
	u32("totem.heartbeat_failures_allowed", 0, true)
	u32("totem.knet_compression_threshold", 0, true)

	level, ok := tc.m.getI32("totem.knet_compression_level")
	if !ok {
		level = 0
	}
	tc.m.set("runtime.config.totem.knet_compression_level", level)
	model, ok := tc.m.getString("totem.knet_compression_model")
	if !ok {
		model = "none"
	}
	if len(model) > 128 {
		model = model[:128] // strncpy into CONFIG_STRING_LEN_MAX
	}
	tc.m.set("runtime.config.totem.knet_compression_model", model)

	boolean := func(key string, def uint32) {
		x := def
		if s, ok := tc.m.getString(key); ok {
			switch s {
			case "yes":
				x = 1
			case "no":
				x = 0
			}
		}
		v[key] = x
		tc.m.set("runtime.config."+key, x)
	}
	boolean("totem.block_unlisted_ips", 1)
	boolean("totem.cancel_token_hold_on_retransmit", 0)
}

// calcKnetPingTimers is calc_knet_ping_timers.
func (tc *totemConfig) calcKnetPingTimers() {
	for i := range tc.ifaces {
		f := &tc.ifaces[i]
		if !f.configured {
			continue
		}
		if f.pongCount == 0 {
			f.pongCount = knetPongCount
		}
		if f.pingTimeout == 0 {
			f.pingTimeout = tc.tokenTotal / f.pongCount
		}
		tc.m.set(fmt.Sprintf("runtime.config.totem.interface.%d.knet_ping_timeout", i), f.pingTimeout)
		// pong_count*2 wraps to 0 for 2^31, where C dies of SIGFPE; we
		// leave the interval at 0 instead of dividing.
		if d := f.pongCount * 2; f.pingInterval == 0 && d != 0 {
			f.pingInterval = tc.tokenTotal / d
		}
		tc.m.set(fmt.Sprintf("runtime.config.totem.interface.%d.knet_ping_interval", i), f.pingInterval)
	}
}
