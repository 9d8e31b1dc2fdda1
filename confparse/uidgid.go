package confparse

import (
	"fmt"
	"os"
	"sort"
)

// idLookup resolves user and group names (C: getpwnam_r / getgrnam_r).
type idLookup struct {
	user, group func(string) (uint32, error)
}

// resolveID is uid_determine/gid_determine. C returns the id as an int, so
// 4294967295 reads as -1, C's failure value, with an empty message.
func resolveID(value string, lookup func(string) (uint32, error), what, db string) (uint32, error) {
	if id, ok := strtolID(value); ok {
		if id == 0xFFFFFFFF {
			return 0, cbError("")
		}
		return uint32(id), nil
	}
	id, err := lookup(value)
	if err != nil || id == 0xFFFFFFFF {
		return 0, fmtErr("The '%s' %s is not found in %s, please read the documentation.", value, what, db)
	}
	return id, nil
}

func uidgidItem(m *icmap, ids idLookup, key, value string) error {
	var name string
	switch key {
	case "uid":
		id, err := resolveID(value, ids.user, "user", "/etc/passwd")
		if err != nil {
			return err
		}
		name = fmt.Sprintf("uidgid.config.uid.%d", id)
	case "gid":
		id, err := resolveID(value, ids.group, "group", "/etc/group")
		if err != nil {
			return err
		}
		name = fmt.Sprintf("uidgid.config.gid.%d", id)
	default:
		return cbError("uidgid: Only uid and gid are allowed items")
	}
	if e := m.set(name, uint8(1)); e != "" {
		return setError(name, e)
	}
	return nil
}

// uidgidCB is uidgid_config_parser_cb, used for the files in uidgid.d.
type uidgidCB struct {
	m   *icmap
	ids idLookup
}

func (u *uidgidCB) sectionStart(path string, _ *cbState) error {
	if path != "uidgid" {
		return cbError("uidgid: Can't add subsection different than uidgid")
	}
	return nil
}

func (u *uidgidCB) item(path, key, value string, _ cbState) error {
	switch path {
	case "uidgid.uid", "uidgid.gid":
		return uidgidItem(u.m, u.ids, key, value)
	}
	return cbError("uidgid: Only uid and gid are allowed items")
}

func (u *uidgidCB) sectionEnd(string, *cbState) error { return nil }

// readUIDGIDDir is read_uidgid_files_into_icmap. A missing directory is
// fine; unreadable files are skipped. C takes readdir order, which is not
// defined; we take name order so results are reproducible.
func readUIDGIDDir(dir string, m *icmap, ids idLookup) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		p := dir + "/" + n // C's "%s/%s", so "./uidgid.d/x" stays as it is
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if err := parseFile(p, data, &uidgidCB{m: m, ids: ids}); err != nil {
			return err
		}
	}
	return nil
}
