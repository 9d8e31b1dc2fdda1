package logsys

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
)

// lineRE takes apart a line written by C corosync 3.1.7 (Debian 12) in
// any of the shapes logsys produces.
var lineRE = regexp.MustCompile(`^(?:([A-Z][a-z]{2}) (\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{3}))? )?` +
	`(?:\[(\d+)\] (\S+) corosync ?)?([a-z]+) +\[([A-Z]+) *\] (?:([\w.]+):(?:(\w+):)?(\d+) )?(.*)$`)

func parseCLine(t *testing.T, line string) (record, header) {
	t.Helper()
	m := lineRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("cannot parse C line %q", line)
	}
	var r record
	if m[1] != "" {
		mon := 0
		for i, n := range monthNames {
			if n == m[1] {
				mon = i + 1
			}
		}
		at := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
		r.ts = time.Date(2026, time.Month(mon), at(2), at(3), at(4), at(5), at(6)*1e6, time.Local)
	}
	pid, _ := strconv.Atoi(m[7])
	h := header{pid: pid, host: m[8], name: "corosync"}
	for i, n := range qbNames {
		if n == m[9] {
			r.level = Level(i)
		}
	}
	r.subsys, r.file, r.function, r.msg = m[10], m[11], m[12], m[14]
	r.line, _ = strconv.Atoi(m[13])
	return r, h
}

func formatFor(t *testing.T, keys map[string]string) string {
	t.Helper()
	m := icmap.New()
	for k, v := range keys {
		if err := m.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	f, err := formatFromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCGoldens re-renders every line C wrote (stderr and log file, each
// timestamp mode, fileline and function_name) from its parsed fields and
// requires the same bytes: padding of priority and subsystem, spacing,
// timestamp shape, the file format's "[pid] host corosync" part.
func TestCGoldens(t *testing.T) {
	on := map[string]string{"logging.timestamp": "on"}
	off := map[string]string{"logging.timestamp": "off", "logging.fileline": "on", "logging.function_name": "on", "logging.debug": "on"}
	hires := map[string]string{"logging.timestamp": "hires"}
	for file, keys := range map[string]map[string]string{
		"c_stderr_timestamp_on.log":                          on,
		"c_file_timestamp_on.log":                            on,
		"c_stderr_timestamp_off_fileline_function_debug.log": off,
		"c_file_timestamp_off_fileline_function_debug.log":   off,
		"c_stderr_timestamp_hires.log":                       hires,
		"c_file_timestamp_hires.log":                         hires,
		"c_stderr_knet_debug.log":                            on,
		"c_stderr_error_default_timestamp.log":               {},
	} {
		spec := formatFor(t, keys)
		if strings.HasPrefix(file, "c_file_") {
			spec = fileFormat(spec)
		}
		f, err := os.Open("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			r, h := parseCLine(t, sc.Text())
			if got := format(spec, &r, &h); got != sc.Text() {
				t.Errorf("%s:\n got %q\nwant %q", file, got, sc.Text())
			}
			n++
		}
		f.Close()
		if n < 2 {
			t.Errorf("%s: only %d lines", file, n)
		}
	}
}

func TestFormatStrings(t *testing.T) {
	for _, c := range []struct {
		keys           map[string]string
		std, file, sys string
	}{
		{map[string]string{}, "%T %7p [%6g] %b", "%T [%P] %H %N %7p [%6g] %b", "  [%6g] %b"},
		{map[string]string{"logging.timestamp": "off"}, "%7p [%6g] %b", "[%P] %H %N%7p [%6g] %b", " [%6g] %b"},
		{map[string]string{"logging.timestamp": "on", "logging.fileline": "on"}, "%t %7p [%6g] %f:%l %b", "%t [%P] %H %N %7p [%6g] %f:%l %b", "  [%6g] %f:%l %b"},
		{map[string]string{"logging.timestamp": "off", "logging.function_name": "on"}, "%7p [%6g] %n %b", "[%P] %H %N%7p [%6g] %n %b", " [%6g] %n %b"},
	} {
		f := formatFor(t, c.keys)
		if f != c.std || fileFormat(f) != c.file || syslogFormat(f) != c.sys {
			t.Errorf("%v: %q %q %q", c.keys, f, fileFormat(f), syslogFormat(f))
		}
	}
}

func TestCutoffAndLength(t *testing.T) {
	r := record{level: Warning, subsys: "VERYLONGNAME", msg: strings.Repeat("x", 600) + "\n"}
	got := format("%7p [%6g] %-8b|", &r, &header{})
	if got != "warning [VERYLO] xxxxxxxx|" {
		t.Errorf("cutoff: %q", got)
	}
	got = format("%7p [%6g] %b", &r, &header{})
	if len(got) != maxLineLength-1 || !strings.HasPrefix(got, "warning [VERYLO] xxx") {
		t.Errorf("long line: len %d", len(got))
	}
	r.msg = "ends with newline\n"
	if got := format("%b", &r, &header{}); got != "ends with newline" {
		t.Errorf("newline not trimmed: %q", got)
	}
	r.level = 12
	if got := format("%p", &r, &header{}); got != "trace" {
		t.Errorf("level above trace prints %q", got)
	}
}
