package totemsrp

import "time"

// tokenStatsMax is TOTEM_TOKEN_STATS_MAX.
const tokenStatsMax = 100

// Stats are the counters of totemsrp_stats_t, named as cmap's stats.srp.* keys.
type Stats struct {
	OrfTokenTx, OrfTokenRx                     uint64
	MembMergeDetectTx, MembMergeDetectRx       uint64
	MembJoinTx, MembJoinRx                     uint64
	McastTx, McastRetx, McastRx                uint64
	MembCommitTokenTx, MembCommitTokenRx       uint64
	TokenHoldCancelTx, TokenHoldCancelRx       uint64
	OperationalEntered, OperationalTokenLost   uint64
	GatherEntered, GatherTokenLost             uint64
	CommitEntered, CommitTokenLost             uint64
	RecoveryEntered, RecoveryTokenLost         uint64
	ConsensusTimeouts                          uint64
	RxMsgDropped                               uint64
	ContinuousGather, ContinuousSendmsgFailure uint32

	// token ring buffer (totemsrp_token_stats_t), times in ms of Tick time
	token                      [tokenStatsMax]tokenStat
	earliestToken, latestToken int
}

type tokenStat struct {
	rx, tx      uint32
	backlogCalc uint32
}

// TokenStats are the values main.c derives every 1.5 s from the token ring
// buffer: stats.srp.mtt_rx_token, avg_token_workload, avg_backlog_calc and
// time_since_token_last_received.
type TokenStats struct {
	MttRxToken, AvgTokenWorkload, AvgBacklogCalc uint32
	TimeSinceTokenLastReceived                   uint64
}

// Map returns the counters keyed by their cmap names (without "stats.srp.").
func (s *Stats) Map() map[string]uint64 {
	return map[string]uint64{
		"orf_token_tx": s.OrfTokenTx, "orf_token_rx": s.OrfTokenRx,
		"memb_merge_detect_tx": s.MembMergeDetectTx, "memb_merge_detect_rx": s.MembMergeDetectRx,
		"memb_join_tx": s.MembJoinTx, "memb_join_rx": s.MembJoinRx,
		"mcast_tx": s.McastTx, "mcast_retx": s.McastRetx, "mcast_rx": s.McastRx,
		"memb_commit_token_tx": s.MembCommitTokenTx, "memb_commit_token_rx": s.MembCommitTokenRx,
		"token_hold_cancel_tx": s.TokenHoldCancelTx, "token_hold_cancel_rx": s.TokenHoldCancelRx,
		"operational_entered": s.OperationalEntered, "operational_token_lost": s.OperationalTokenLost,
		"gather_entered": s.GatherEntered, "gather_token_lost": s.GatherTokenLost,
		"commit_entered": s.CommitEntered, "commit_token_lost": s.CommitTokenLost,
		"recovery_entered": s.RecoveryEntered, "recovery_token_lost": s.RecoveryTokenLost,
		"consensus_timeouts": s.ConsensusTimeouts, "rx_msg_dropped": s.RxMsgDropped,
		"continuous_gather": uint64(s.ContinuousGather), "continuous_sendmsg_failures": uint64(s.ContinuousSendmsgFailure),
	}
}

func msOf(d time.Duration) uint32 { return uint32(d / time.Millisecond) }

func (s *Stats) tokenReceived(now time.Duration) {
	if s.latestToken == tokenStatsMax-1 {
		s.latestToken = 0
	} else {
		s.latestToken++
	}
	if s.earliestToken == s.latestToken {
		if s.earliestToken == tokenStatsMax-1 {
			s.earliestToken = 0
		} else {
			s.earliestToken++
		}
		s.token[s.earliestToken] = tokenStat{}
	}
	s.token[s.latestToken] = tokenStat{rx: msOf(now)}
}

func (s *Stats) tokenSent(now time.Duration) { s.token[s.latestToken].tx = msOf(now) }

func (s *Stats) lastTokenRx() uint32 { return s.token[s.latestToken].rx }

// TokenStats computes the derived token statistics as main.c does.
func (s *Stats) TokenStats(now time.Duration) TokenStats {
	var out TokenStats
	var mtt, hold, backlog, count uint64
	t := s.latestToken
	for {
		prev := t - 1
		if t == 0 {
			prev = tokenStatsMax - 1
		}
		if prev == s.earliestToken {
			break
		}
		if s.token[t].tx != 0 || s.token[t].rx-s.token[prev].rx > 0 {
			mtt += uint64(s.token[t].rx - s.token[prev].rx)
			hold += uint64(s.token[t].tx - s.token[t].rx)
			backlog += uint64(s.token[t].backlogCalc)
			count++
		}
		t = prev
	}
	if count > 0 {
		out.MttRxToken = uint32(mtt / count)
		out.AvgTokenWorkload = uint32(hold / count)
		out.AvgBacklogCalc = uint32(backlog / count)
	}
	out.TimeSinceTokenLastReceived = uint64(msOf(now) - s.token[s.latestToken].rx)
	return out
}
