package confparse

import (
	"context"
	"errors"
	"net"
	"os"
	"os/user"
	"strconv"
	"syscall"
	"time"
)

// The defaults behind Options: what C asks the system.

func (o *Options) hostname() (string, error) {
	if o.Hostname != nil {
		return o.Hostname()
	}
	return os.Hostname()
}

func (o *Options) localAddrs() ([]net.IP, error) {
	if o.LocalAddrs != nil {
		return o.LocalAddrs()
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			ips = append(ips, n.IP)
		}
	}
	return ips, nil
}

func (o *Options) resolveName(host string) ([]net.IP, error) {
	if o.Resolve != nil {
		return o.Resolve(host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupIP(ctx, "ip", host)
}

// Address families as totemip uses them.
const (
	famAny = 0
	famV4  = 4
	famV6  = 6
)

func ipFamily(ip net.IP) int {
	if ip.To4() != nil {
		return famV4
	}
	return famV6
}

// getaddrinfo returns the addresses of host restricted to family, in order.
// Numeric addresses are answered without a lookup, as AI_NUMERICHOST
// parsing inside getaddrinfo does.
func (o *Options) getaddrinfo(host string, family int) []net.IP {
	if host == "" {
		return nil
	}
	var all []net.IP
	if ip := net.ParseIP(host); ip != nil {
		all = []net.IP{ip}
	} else {
		res, err := o.resolveName(host)
		if err != nil {
			return nil
		}
		all = res
	}
	var out []net.IP
	for _, ip := range all {
		if family == famAny || ipFamily(ip) == family {
			out = append(out, ip)
		}
	}
	return out
}

// reverse is getnameinfo without NI_NUMERICHOST: a name if there is one,
// otherwise the numeric form.
func (o *Options) reverse(ip net.IP) string {
	var name string
	if o.ReverseLookup != nil {
		name, _ = o.ReverseLookup(ip)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		names, err := net.DefaultResolver.LookupAddr(ctx, ip.String())
		cancel()
		if err == nil && len(names) > 0 {
			name = names[0]
		}
	}
	if name == "" {
		return ip.String()
	}
	if len(name) > 1 && name[len(name)-1] == '.' {
		name = name[:len(name)-1] // Go's DNS answers are fully qualified
	}
	return name
}

func (o *Options) ids() idLookup {
	l := idLookup{user: o.LookupUser, group: o.LookupGroup}
	if l.user == nil {
		l.user = func(n string) (uint32, error) {
			u, err := user.Lookup(n)
			if err != nil {
				return 0, err
			}
			id, err := strconv.ParseUint(u.Uid, 10, 32)
			return uint32(id), err
		}
	}
	if l.group == nil {
		l.group = func(n string) (uint32, error) {
			g, err := user.LookupGroup(n)
			if err != nil {
				return 0, err
			}
			id, err := strconv.ParseUint(g.Gid, 10, 32)
			return uint32(id), err
		}
	}
	return l
}

func (o *Options) readFile(path string) ([]byte, error) {
	if o.ReadFile != nil {
		return o.ReadFile(path)
	}
	return os.ReadFile(path)
}

func (o *Options) stateDirOK(dir string) error {
	if o.StateDirOK != nil {
		return o.StateDirOK(dir)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return syscall.ENOTDIR
	}
	return nil
}

func (o *Options) openLogFile(path string) (int, error) {
	if o.OpenLogFile != nil {
		return o.OpenLogFile(path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return errnoOf(err), errnoErr(err)
	}
	return 0, f.Close()
}

// errnoOf and errnoErr give C's errno number and strerror text.
func errnoOf(err error) int {
	var e syscall.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	return int(syscall.EIO)
}

func errnoErr(err error) error {
	var e syscall.Errno
	if errors.As(err, &e) {
		return strerror(e)
	}
	return err
}

// strerror is glibc's text, which differs from Go's for a few errnos
// (Go lower-cases nothing but words some differently).
type strerror syscall.Errno

func (s strerror) Error() string {
	e := syscall.Errno(s)
	msg := e.Error()
	if msg == "" {
		return "Unknown error " + strconv.Itoa(int(e))
	}
	// Go's table starts each message in lower case; glibc capitalizes.
	return string(msg[0]-('a'-'A')*boolToByte(msg[0] >= 'a' && msg[0] <= 'z')) + msg[1:]
}

func boolToByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
