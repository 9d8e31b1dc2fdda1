package daemon

import (
	"fmt"
	"strings"

	"github.com/gorosync/gorosync/daemon/icmap"
)

// Service describes a service engine the way service.c records it in cmap.
type Service struct {
	ID   uint16
	Name string // "corosync_cmap": internal_configuration.service.N.name
	Ver  uint32
	// ExecEngineCount is the number of exec (totem) message handlers; one
	// tx/rx counter pair each under runtime.services.<suffix>.
	ExecEngineCount int
}

// DefaultServices are service.c's default_services with their engine ids
// and exec handler counts as Debian's corosync 3.1.7 registers them.
var DefaultServices = []Service{
	{ID: 0, Name: "corosync_cmap", ExecEngineCount: 1},
	{ID: 1, Name: "corosync_cfg", ExecEngineCount: 5},
	{ID: 2, Name: "corosync_cpg", ExecEngineCount: 7},
	{ID: 4, Name: "corosync_pload", ExecEngineCount: 2},
	{ID: 6, Name: "corosync_mon", ExecEngineCount: 0},
	{ID: 7, Name: "corosync_wd", ExecEngineCount: 0},
	{ID: 5, Name: "corosync_votequorum", ExecEngineCount: 4},
	{ID: 3, Name: "corosync_quorum", ExecEngineCount: 0},
}

// suffix is the part after the last '_' (service.c's name_sufix).
func (s Service) suffix() string {
	if i := strings.LastIndexByte(s.Name, '_'); i >= 0 {
		return s.Name[i+1:]
	}
	return s.Name
}

// LinkServiceKeys stores what corosync_service_link_and_init records for a
// loaded engine: its name and version, its id, and zeroed per-handler
// message counters.
func LinkServiceKeys(m *icmap.Map, s Service) error {
	sets := []struct {
		k string
		v any
	}{
		{fmt.Sprintf("internal_configuration.service.%d.name", s.ID), s.Name},
		{fmt.Sprintf("internal_configuration.service.%d.ver", s.ID), s.Ver},
		{fmt.Sprintf("runtime.services.%s.service_id", s.suffix()), s.ID},
	}
	for fn := 0; fn < s.ExecEngineCount; fn++ {
		sets = append(sets,
			struct {
				k string
				v any
			}{fmt.Sprintf("runtime.services.%s.%d.tx", s.suffix(), fn), uint64(0)},
			struct {
				k string
				v any
			}{fmt.Sprintf("runtime.services.%s.%d.rx", s.suffix(), fn), uint64(0)})
	}
	for _, kv := range sets {
		if err := m.Set(kv.k, kv.v); err != nil {
			return fmt.Errorf("%s: %w", kv.k, err)
		}
	}
	return nil
}
