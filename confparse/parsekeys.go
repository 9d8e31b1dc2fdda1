package confparse

import "path/filepath"

// ParseKeys is coroparse_configparse alone: the file's keys and uidgid.d,
// without the logging and totem stages of Load. A config reload stages
// exactly these in its temporary map (exec/cfg.c), and an error here is
// one that reload reports as "Unable to reload config file".
func ParseKeys(path string, data []byte, opt Options) ([]Key, error) {
	m := newICMap()
	ids := opt.ids()
	if err := parseFile(path, data, &mainCB{m: m, ids: ids}); err != nil {
		return nil, withStatus(err, statusMainConfig)
	}
	dir := opt.UIDGIDDir
	if dir == "" {
		dir = filepath.Dir(path) + "/uidgid.d"
	}
	if err := readUIDGIDDir(dir, m, ids); err != nil {
		return nil, withStatus(err, statusMainConfig)
	}
	return m.sorted(), nil
}
