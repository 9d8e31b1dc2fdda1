package votequorum

import "github.com/gorosync/gorosync/daemon/sync"

var _ sync.Service = (*Engine)(nil)
