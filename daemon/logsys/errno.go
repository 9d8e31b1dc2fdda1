package logsys

import (
	"errors"
	"io/fs"
	"syscall"
)

// errText and errno give strerror(3)'s wording and the number, as C's
// "Can't open logfile" message prints them.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		s := en.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			return string(s[0]-'a'+'A') + s[1:]
		}
	}
	return err.Error()
}

func errno(err error) int {
	var en syscall.Errno
	if errors.As(err, &en) {
		return int(en)
	}
	return 0
}
