package wd

import (
	"bytes"
	"os"

	"golang.org/x/sys/unix"
)

// Device is an open watchdog: the ioctls and the write wd.c uses.
type Device interface {
	// Support is WDIOC_GETSUPPORT: the driver's identity and options.
	Support() (identity string, options uint32, err error)
	GetTimeout() (int, error)
	// SetTimeout is WDIOC_SETTIMEOUT; the driver may pick another value.
	SetTimeout(sec int) error
	Keepalive() error
	// MagicClose writes 'V', which disarms a "Magic Close" watchdog once
	// the file is closed.
	MagicClose() error
	Fd() int
	Close() error
}

// WDIOF_SETTIMEOUT: the driver's timeout can be set.
const optSetTimeout = unix.WDIOF_SETTIMEOUT

// fileDevice is a watchdog opened with open(2) O_WRONLY.
type fileDevice struct{ f *os.File }

// OpenDevice is wd.c's open(watchdog_device, O_WRONLY).
func OpenDevice(path string) (Device, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	return &fileDevice{f: f}, nil
}

// AccessW is access(path, W_OK).
func AccessW(path string) error { return unix.Access(path, unix.W_OK) }

func (d *fileDevice) Fd() int { return int(d.f.Fd()) }

func (d *fileDevice) Support() (string, uint32, error) {
	info, err := unix.IoctlGetWatchdogInfo(d.Fd())
	if err != nil {
		return "", 0, err
	}
	id := info.Identity[:]
	if i := bytes.IndexByte(id, 0); i >= 0 {
		id = id[:i]
	}
	return string(id), info.Options, nil
}

func (d *fileDevice) GetTimeout() (int, error) {
	return unix.IoctlGetInt(d.Fd(), unix.WDIOC_GETTIMEOUT)
}

func (d *fileDevice) SetTimeout(sec int) error {
	return unix.IoctlSetPointerInt(d.Fd(), unix.WDIOC_SETTIMEOUT, sec)
}

func (d *fileDevice) Keepalive() error { return unix.IoctlWatchdogKeepalive(d.Fd()) }

func (d *fileDevice) MagicClose() error {
	_, err := d.f.Write([]byte{'V'})
	return err
}

func (d *fileDevice) Close() error { return d.f.Close() }
