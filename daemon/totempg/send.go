package totempg

import (
	"github.com/gorosync/gorosync/wire"
)

// sender is mcast_msg()'s state: a staging buffer of packed chunks, flushed
// when a message does not fit or when the token arrives.
type sender struct {
	packetSize           int // TOTEMPG_PACKET_SIZE: net_mtu − 8
	data                 []byte
	lens                 []int // mcast_packed_msg_lens; lens[count] is the open chunk
	count                int   // mcast_packed_msg_count
	fragmentContinuation uint8
	nextFragment         uint8
	out                  []byte // scratch for the encoded packet
}

func newSender(netMTU int) *sender {
	ps := netMTU - wire.TotempgHeaderSize
	return &sender{
		packetSize:   ps,
		data:         make([]byte, 0, ps),
		lens:         make([]int, 1, ps/2+1),
		nextFragment: 1,
	}
}

func (s *sender) packet(frag, cont uint8, lens []int, data []byte) []byte {
	b := s.out[:0]
	b = append(b, 0, 0, 0, 0, frag, cont)
	b = append(b, byte(len(lens)), byte(len(lens)>>8))
	for _, l := range lens {
		b = append(b, byte(l), byte(l>>8))
	}
	b = append(b, data...)
	s.out = b
	return b
}

// mcast packs one message made of iov (the group header first, as
// totempg_groups_mcast_joined builds it). The caller has checked the queue.
func (s *sender) mcast(srp SRP, g Guarantee, iov [][]byte) error {
	// Zero-length pieces are dropped first, as in C; they would change
	// which piece a packet boundary falls on.
	pieces := iov[:0:0]
	for _, v := range iov {
		if len(v) > 0 {
			pieces = append(pieces, v)
		}
	}
	maxPacket := s.packetSize - 2*(s.count+1)
	if len(s.lens) <= s.count {
		s.lens = append(s.lens, 0)
	}
	s.lens[s.count] = 0
	copyBase := 0
	for i := 0; i < len(pieces); {
		v := pieces[i]
		cont := s.fragmentContinuation
		// C compares the whole piece, not what is left of it, so the tail of
		// a piece that was split always goes out at once below.
		if len(v)+len(s.data) < maxPacket-2 {
			s.data = append(s.data, v[copyBase:]...)
			s.lens[s.count] += len(v) - copyBase
			s.nextFragment = 1
			copyBase = 0
			i++
			continue
		}
		copyLen := min(len(v)-copyBase, maxPacket-len(s.data))
		s.data = append(s.data, v[copyBase:copyBase+copyLen]...)
		s.lens[s.count] += copyLen
		var frag uint8
		if i < len(pieces)-1 || copyBase+copyLen < len(v) {
			if s.nextFragment == 0 {
				s.nextFragment++
			}
			s.fragmentContinuation = s.nextFragment
			frag = s.nextFragment
			s.nextFragment++
		} else {
			s.fragmentContinuation = 0
		}
		s.count++
		err := srp.Mcast(s.packet(frag, cont, s.lens[:s.count], s.data), g)
		s.lens[0] = 0
		s.count = 0
		s.data = s.data[:0]
		if err != nil {
			return err
		}
		maxPacket = s.packetSize - 2
		if copyBase+copyLen == len(v) {
			copyBase = 0
			i++
		} else {
			copyBase += copyLen
		}
	}
	if s.lens[s.count] != 0 {
		s.count++
	}
	return nil
}

// flush sends the staged chunks (callback_token_received_fn).
func (s *sender) flush(srp SRP) error {
	if s.count == 0 || srp.Avail() == 0 {
		return nil
	}
	cont := s.fragmentContinuation
	s.fragmentContinuation = 0
	p := s.packet(0, cont, s.lens[:s.count], s.data)
	s.count = 0
	s.data = s.data[:0]
	return srp.Mcast(p, Agreed)
}

// pending is the number of bytes (chunk lengths included) waiting for a flush.
func (s *sender) pending() int { return len(s.data) + 2*s.count }
