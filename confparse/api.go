// Package confparse reads corosync.conf the way corosync 3.1.7 does
// (exec/coroparse.c for the syntax, exec/totemconfig.c and exec/logconfig.c
// for the checks `corosync -t` makes) and turns it into the cmap keys the C
// daemon stores, with the same names and value types.
package confparse

import (
	"fmt"
	"net"
	"sort"

	"github.com/gorosync/gorosync/wire"
)

// Key is one cmap entry as C's config loading stores it.
type Key struct {
	Name  string
	Type  wire.ValueType
	Value any // int8…uint64, float32, float64, string or []byte, matching Type
}

func (k Key) String() string { return fmt.Sprintf("%s (%s) = %v", k.Name, k.Type, k.Value) }

// Error is a configuration error. Syntax errors carry File and Line and print
// as C's "parser error: FILE:LINE: MSG"; the others print Msg alone, as C logs
// them. Status is the exit status `corosync -t` ends with for this error.
//
// For failures after the logging section was accepted (state directory,
// totem_config_read, totem_config_validate) C has already configured its
// logging and logged the load warnings; Keys and Warnings carry what C had
// at that point so a daemon can log the error the same way.
type Error struct {
	File   string
	Line   int
	Msg    string
	Status int

	Keys     []Key
	Warnings []string
}

// Exit statuses of corosync (exec/util.h COROSYNC_DONE_*).
const (
	statusLogConfig  = 7
	statusMainConfig = 8
	statusStateDir   = 16
	// C dies of SIGABRT (assertion, double free) or SIGSEGV on some input.
	statusAbort = 134
	statusSegv  = 139
)

func (e *Error) Error() string {
	if e.File != "" && e.Line > 0 {
		return fmt.Sprintf("parser error: %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.Msg
}

// Options makes the environment-dependent checks of `corosync -t`
// injectable. A nil field means "ask this machine", as C does.
type Options struct {
	// Hostname is uname(2)'s nodename, the first thing matched against
	// the nodelist's name/ring0_addr when looking for the local node.
	Hostname func() (string, error)
	// LocalAddrs lists this machine's interface addresses (getifaddrs).
	LocalAddrs func() ([]net.IP, error)
	// Resolve looks a host name up (getaddrinfo). Numeric addresses never
	// reach it. Results are taken in order, as C takes them.
	Resolve func(host string) ([]net.IP, error)
	// ReverseLookup names a local address (getnameinfo); an error or ""
	// means "no name", and the numeric form is used, as getnameinfo does.
	ReverseLookup func(ip net.IP) (string, error)
	// UIDGIDDir replaces DIR(config path)/uidgid.d.
	UIDGIDDir string
	// LookupUser and LookupGroup map names to ids (getpwnam_r/getgrnam_r).
	LookupUser  func(name string) (uint32, error)
	LookupGroup func(name string) (uint32, error)
	// ReadFile reads the crypto key file (relative names are relative to
	// the state directory, where C has chdir'ed by then).
	ReadFile func(path string) ([]byte, error)
	// StateDirOK checks that C could chdir into system.state_dir.
	StateDirOK func(dir string) error
	// OpenLogFile opens (creating) a log file for appending, as libqb does
	// at config time; it returns the errno and error on failure.
	OpenLogFile func(path string) (errno int, err error)
}

// Config is the result of Load: the cmap keys C stores at startup from the
// configuration, sorted by name, and the warnings C logs while loading.
type Config struct {
	Keys     []Key
	Warnings []string

	index   map[string]int
	derived derived
}

// Get returns the key with the given name.
func (c *Config) Get(name string) (Key, bool) {
	if c.index == nil {
		c.index = make(map[string]int, len(c.Keys))
		for i, k := range c.Keys {
			c.index[k.Name] = i
		}
	}
	i, ok := c.index[name]
	if !ok {
		return Key{}, false
	}
	return c.Keys[i], true
}

func sortKeys(keys []Key) {
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
}
