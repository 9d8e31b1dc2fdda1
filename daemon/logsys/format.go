package logsys

import (
	"strconv"
	"strings"
	"time"
)

// DefaultFormat is logsys's format when no logging keys change it.
const DefaultFormat = "%7p [%6g] %b"

// maxLineLength is libqb's QB_LOG_MAX_LEN: a formatted line is cut to one
// byte less.
const maxLineLength = 512

var monthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// record is one log call, everything a format specifier can print.
type record struct {
	level    Level
	subsys   string
	file     string // base name
	function string
	line     int
	msg      string
	ts       time.Time
}

// header holds what the file format prints before the message part.
type header struct {
	pid  int
	host string
	name string
}

// format renders r as libqb's qb_log_target_format does: %[-][width]X,
// where width both pads (left-aligned unless '-') and cuts. %P, %H and %N
// are expanded the same way (qb_log_target_format_static).
func format(spec string, r *record, h *header) string {
	var out strings.Builder
	for i := 0; i < len(spec); {
		c := spec[i]
		if c != '%' {
			out.WriteByte(c)
			i++
		} else {
			start := i
			i++
			ralign := false
			if i < len(spec) && spec[i] == '-' {
				ralign = true
				i++
			}
			ds := i
			for i < len(spec) && spec[i] >= '0' && spec[i] <= '9' {
				i++
			}
			cutoff := 0
			if i > ds {
				var err error
				if cutoff, err = strconv.Atoi(spec[ds:i]); err != nil {
					cutoff = maxLineLength // out of range: the line limit cuts it
				}
			}
			var p string
			if i < len(spec) {
				switch spec[i] {
				case 'g':
					p = r.subsys
				case 'n':
					p = r.function
				case 'f':
					p = r.file
				case 'l':
					p = strconv.Itoa(r.line)
				case 't':
					p = stamp(r.ts, false)
				case 'T':
					p = stamp(r.ts, true)
				case 'b':
					p = r.msg
				case 'p':
					p = r.level.String()
				case 'P':
					p = strconv.Itoa(h.pid)
				case 'H':
					p = h.host
				case 'N':
					p = h.name
				default:
					// libqb's static pass copies an unknown specifier
					// verbatim; its second pass then prints nothing for it.
					_ = start
				}
			}
			writeCutoff(&out, p, cutoff, ralign, maxLineLength-1-out.Len())
			i++
		}
		if out.Len() >= maxLineLength-1 {
			break
		}
	}
	s := out.String()
	if len(s) > maxLineLength-1 {
		s = s[:maxLineLength-1]
	}
	return strings.TrimSuffix(s, "\n")
}

// writeCutoff is libqb's _strcpy_cutoff: room is what is left of the line.
func writeCutoff(out *strings.Builder, p string, cutoff int, ralign bool, room int) {
	if cutoff == 0 {
		cutoff = len(p)
	}
	cutoff = max(min(cutoff, room), 0)
	if len(p) > cutoff {
		p = p[:cutoff]
	}
	pad := strings.Repeat(" ", cutoff-len(p))
	if ralign {
		out.WriteString(pad)
		out.WriteString(p)
	} else {
		out.WriteString(p)
		out.WriteString(pad)
	}
}

// stamp is libqb's %t ("Nov 24 22:43:23", local time) and %T (with .mmm).
func stamp(t time.Time, hires bool) string {
	_, mon, day := t.Date()
	hh, mm, ss := t.Clock()
	b := make([]byte, 0, 19)
	b = append(b, monthNames[mon-1]...)
	b = append(b, ' ')
	b = two(b, day)
	b = append(b, ' ')
	b = two(b, hh)
	b = append(b, ':')
	b = two(b, mm)
	b = append(b, ':')
	b = two(b, ss)
	if hires {
		ms := t.Nanosecond() / 1e6
		b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	}
	return string(b)
}

func two(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// fileFormat is logsys_file_format_get: the log file's format is the
// stderr format with "[%P] %H %N" put after the timestamp (or first, with
// no timestamp; then nothing separates %N from the priority, as in C).
func fileFormat(f string) string {
	rest := f
	out := ""
	if i := strings.Index(f, "%t"); i >= 0 {
		out = "%t "
		rest = f[i+2:]
	}
	if i := strings.Index(f, "%T"); i >= 0 {
		out = "%T "
		rest = f[i+2:]
	}
	return out + "[%P] %H %N" + rest
}

// syslogFormat is logsys_format_set's rewrite for syslog: %t, %T and %p
// (with any width) are dropped, their surrounding spaces kept.
func syslogFormat(f string) string {
	var out []byte
	for c := 0; c < len(f); c++ {
		if f[c] == '%' {
			rem := c
			for c++; c < len(f); c++ {
				if f[c] >= '0' && f[c] <= '9' {
					continue
				}
				if f[c] == 't' || f[c] == 'p' || f[c] == 'T' {
					c++
				} else {
					c = rem
				}
				break
			}
			if c >= len(f) {
				break
			}
		}
		out = append(out, f[c])
	}
	return string(out)
}

// insertIntoBuffer is logconfig.c's insert_into_buffer: put entry at the
// start of cur, or right after the first occurrence of after; ok is
// false when after does not occur.
func insertIntoBuffer(cur, entry, after string) (string, bool) {
	if after == "" {
		return entry + cur, true
	}
	i := strings.Index(cur, after)
	if i < 0 {
		return "", false
	}
	i += len(after)
	return cur[:i] + entry + cur[i:], true
}
