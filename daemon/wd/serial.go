package wd

import "sync"

// serial runs functions one at a time in submission order. A function
// submitted while another runs (on this goroutine or another) is run by
// the goroutine already running, after the current one returns.
type serial struct {
	mu      sync.Mutex
	q       []func()
	running bool
}

func (s *serial) do(f func()) {
	s.mu.Lock()
	s.q = append(s.q, f)
	if s.running {
		s.mu.Unlock()
		return
	}
	s.running = true
	for len(s.q) > 0 {
		g := s.q[0]
		s.q[0] = nil
		s.q = s.q[1:]
		s.mu.Unlock()
		g()
		s.mu.Lock()
	}
	s.running = false
	s.mu.Unlock()
}
