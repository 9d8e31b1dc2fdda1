package logsys

import (
	"fmt"
	"strings"

	"github.com/gorosync/gorosync/daemon/icmap"
)

// ConfigError is why the logging keys were rejected, worded as C's
// logconfig.c (e.g. "unknown value for timestamp"). The daemon prints it
// as "parse error in config: <reason>." and exits with status 7.
type ConfigError struct{ Reason string }

func (e *ConfigError) Error() string { return e.Reason }

func cfgErr(format string, args ...any) error {
	return &ConfigError{Reason: fmt.Sprintf(format, args...)}
}

// str is map_get_string: a key counts only if it holds a string.
func str(m *icmap.Map, key string) (string, bool) {
	v, err := m.GetString(key)
	return v, err == nil
}

// Configure reads the logging.* keys from m and applies them
// (corosync_main_config_read_logging). On error nothing changes.
func (s *System) Configure(m *icmap.Map) error {
	ff, err := formatFromMap(m)
	if err != nil {
		return err
	}
	if v, ok := str(m, "logging.blackbox"); ok && v != "on" && v != "off" {
		return cfgErr("unknown value for blackbox")
	}
	var warnings []string
	main := settings{toStderr: true, toSyslog: true}
	if err := readSettings(m, "logging", &main, true, &warnings); err != nil {
		return err
	}
	subs := map[string]*settings{}
	for _, e := range m.Snapshot("logging.logger_subsys.") {
		// C: sscanf("logging.logger_subsys.%[^.].%s") and only the
		// "subsys" item names a subsystem section.
		rest := strings.TrimPrefix(e.Key, "logging.logger_subsys.")
		name, item, ok := strings.Cut(rest, ".")
		if !ok || name == "" || item != "subsys" {
			continue
		}
		st := main // a subsystem starts from the top-level settings
		st.debug = debugOff
		if err := readSettings(m, "logging.logger_subsys."+name, &st, false, &warnings); err != nil {
			return err
		}
		subs[name] = &st
	}

	if err := s.apply(ff, main, subs); err != nil {
		return err
	}
	for _, w := range warnings {
		s.Subsys("MAIN").Warningf("%s", w)
	}
	return nil
}

// apply opens the log files the new settings name, closes those no longer
// named, and switches to the new settings.
func (s *System) apply(ff string, main settings, subs map[string]*settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	files := map[string]bool{}
	for _, st := range append([]*settings{&main}, values(subs)...) {
		if st.logfile != "" && st.toFile {
			files[st.logfile] = true
		}
	}
	for p := range files {
		if s.files[p] != nil {
			continue
		}
		f, err := openLog(p)
		if err != nil {
			return cfgErr("Can't open logfile '%s' for reason: %s (%d)", p, errText(err), errno(err))
		}
		s.files[p] = f
	}
	for p, f := range s.files {
		if !files[p] {
			f.Close()
			delete(s.files, p)
		}
	}
	s.format, s.main, s.subsys = ff, main, subs
	s.needCaller = strings.Contains(ff, "%f") || strings.Contains(ff, "%n") || strings.Contains(ff, "%l")
	s.configured = true
	return nil
}

func values(m map[string]*settings) []*settings {
	out := make([]*settings, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// formatFromMap is corosync_main_config_format_set.
func formatFromMap(m *icmap.Map) (string, error) {
	f := DefaultFormat
	if v, ok := str(m, "logging.fileline"); ok {
		switch v {
		case "on":
			if nf, ok := insertIntoBuffer(f, " %f:%l", "g]"); ok {
				f = nf
			} else if nf, ok := insertIntoBuffer(f, "%f:%l", ""); ok {
				f = nf
			}
		case "off":
		default:
			return "", cfgErr("unknown value for fileline")
		}
	}
	if v, ok := str(m, "logging.function_name"); ok {
		switch v {
		case "on":
			if nf, ok := insertIntoBuffer(f, "%n:", "f:"); ok {
				f = nf
			} else if nf, ok := insertIntoBuffer(f, " %n", "g]"); ok {
				f = nf
			}
		case "off":
		default:
			return "", cfgErr("unknown value for function_name")
		}
	}
	ts := "%T" // C's default when libqb has hires timestamps (Debian's has)
	if v, ok := str(m, "logging.timestamp"); ok {
		switch v {
		case "on":
			ts = "%t"
		case "hires":
			ts = "%T"
		case "off":
			ts = ""
		default:
			return "", cfgErr("unknown value for timestamp")
		}
	}
	if ts != "" {
		f, _ = insertIntoBuffer(f, ts+" ", "")
	}
	return f, nil
}

// readSettings is corosync_main_config_set for the keys under path.
// top is true for "logging" itself, whose absent keys take C's defaults.
func readSettings(m *icmap.Map, path string, st *settings, top bool, warnings *[]string) error {
	onOff := func(key string, dst *bool, deprecated bool, replacement string) error {
		v, ok := str(m, path+"."+key)
		if !ok {
			return nil
		}
		if deprecated {
			*warnings = append(*warnings, fmt.Sprintf("Warning: the %s config parameter has been obsoleted."+
				" See corosync.conf man page %s directive.", key, replacement))
		}
		switch v {
		case "yes", "on":
			*dst = true
		case "no", "off":
			*dst = false
		default:
			return cfgErr("unknown value for %s", key)
		}
		return nil
	}
	if err := onOff("to_stderr", &st.toStderr, false, ""); err != nil {
		return err
	}
	if err := onOff("to_syslog", &st.toSyslog, false, ""); err != nil {
		return err
	}
	st.syslogFacility = facilities["daemon"]
	if v, ok := str(m, path+".syslog_facility"); ok {
		f, known := facilities[v]
		if !known {
			return cfgErr("unknown syslog facility specified")
		}
		st.syslogFacility = f
	}
	if v, ok := str(m, path+".syslog_level"); ok {
		*warnings = append(*warnings, "Warning: the syslog_level config parameter has been obsoleted."+
			" See corosync.conf man page syslog_priority directive.")
		p, known := priorityByName(v)
		if !known {
			return cfgErr("unknown syslog level specified")
		}
		st.syslogPriority = p
	}
	if v, ok := str(m, path+".syslog_priority"); ok {
		p, known := priorityByName(v)
		if !known {
			return cfgErr("unknown syslog priority specified")
		}
		st.syslogPriority = p
	} else if top {
		st.syslogPriority = Info
	}
	if v, ok := str(m, path+".logfile"); ok {
		st.logfile = v
	}
	if top {
		st.toFile = false
	}
	if err := onOff("to_file", &st.toFile, true, "to_logfile"); err != nil {
		return err
	}
	if err := onOff("to_logfile", &st.toFile, false, ""); err != nil {
		return err
	}
	if v, ok := str(m, path+".logfile_priority"); ok {
		p, known := priorityByName(v)
		if !known {
			return cfgErr("unknown logfile priority specified")
		}
		st.logfilePriority = p
	} else if top {
		st.logfilePriority = Info
	}
	st.debug = debugOff
	if v, ok := str(m, path+".debug"); ok {
		switch v {
		case "trace":
			st.debug = debugTrace
		case "on":
			st.debug = debugOn
		case "off":
		default:
			return cfgErr("unknown value for debug")
		}
	}
	return nil
}

// Watch re-reads the logging keys whenever one of them changes, as C's
// main_logging_notify does, except while config.reload_in_progress is 1
// (a full reload sets it around its batch of changes).
func (s *System) Watch(m *icmap.Map) error {
	reloading := false
	fn := func(_ icmap.TrackFlags, key string, nv, _ icmap.NotifyValue, _ any) {
		if key == "config.reload_in_progress" {
			reloading = nv.Data == uint8(1)
		}
		if reloading {
			s.Subsys("MAIN").Debugf("Ignoring key change, reload in progress. %s", key)
			return
		}
		// C ignores a bad value here: the previous settings stay.
		_ = s.Configure(m)
	}
	if _, err := m.TrackAdd("logging.", icmap.TrackAdd|icmap.TrackDelete|icmap.TrackModify|icmap.TrackPrefix, fn, nil); err != nil {
		return err
	}
	_, err := m.TrackAdd("config.reload_in_progress", icmap.TrackAdd|icmap.TrackModify, fn, nil)
	return err
}
