package cpg

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/wire"
)

// zcbMapped is struct zcb_mapped: one cpg_zcb_alloc buffer mapped from the
// file the library created. server is what C would return as the mapping's
// address: the library only hands it back, so a cookie does.
type zcbMapped struct {
	server uint64
	mem    []byte
}

// zcbMaxMap bounds a zero-copy mapping: the message inside can never be
// larger than an IPC request anyway.
const zcbMaxMap = 64 << 20

// zcbOpen is memory_map on the daemon side: open the library's file,
// unlink it, size it and map it shared. Unlike C (which opens, unlinks and
// truncates whatever path a client names, as root), only libcpg's own
// file names in the configured directories are accepted, symlinks are not
// followed and the file must be a regular one.
func (e *Engine) zcbOpen(path string, size uint64) ([]byte, error) {
	if size < wire.CpgZcHeaderSize+wire.CpgReqMcastSize || size > zcbMaxMap {
		return nil, fmt.Errorf("map size %d", size)
	}
	if filepath.Clean(path) != path || !strings.HasPrefix(filepath.Base(path), "corosync_zerocopy-") {
		return nil, fmt.Errorf("path %q is not a libcpg zero-copy file", path)
	}
	ok := false
	for _, d := range e.cfg.ZeroCopyDirs {
		if filepath.Dir(path) == filepath.Clean(d) {
			ok = true
		}
	}
	if !ok {
		return nil, fmt.Errorf("path %q outside the zero-copy directories", path)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0o600)
	unix.Unlink(path)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("%q is not a regular file", path)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		return nil, err
	}
	return unix.Mmap(fd, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

// libZcAlloc is message_handler_req_lib_cpg_zc_alloc. The answer is a bare
// header with id 0 (C leaves its error field unset; libcpg ignores it). C
// asserts when the file cannot be mapped; we log and answer
// CS_ERR_LIBRARY, and the library's later ZC_EXECUTE then finds no buffer.
func (e *Engine) libZcAlloc(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqZcAlloc(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgZcAlloc)
		return
	}
	path := req.PathString()
	e.debugf("path: %s", path)
	mem, err := e.zcbOpen(path, req.MapSize)
	if err != nil {
		e.log.Error("cpg zero-copy buffer refused", "conn", pd.cookie, "err", err)
		e.respond(pd, wire.AppendCpgResHeader(nil, 0, wire.CsErrLibrary))
		return
	}
	z := &zcbMapped{server: e.nextZcb, mem: mem}
	e.nextZcb += 0x1000
	binary.LittleEndian.PutUint64(mem[8:], z.server)
	pd.zcbs = append(pd.zcbs, z)
	e.respond(pd, wire.AppendCpgResHeader(nil, 0, wire.CsOK))
}

func (e *Engine) zcbFind(pd *cpd, server uint64) int {
	for i, z := range pd.zcbs {
		if z.server == server {
			return i
		}
	}
	return -1
}

// libZcFree is message_handler_req_lib_cpg_zc_free (id 0, as in C).
func (e *Engine) libZcFree(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqZcFree(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgZcFree)
		return
	}
	e.debugf(" free'ing")
	if i := e.zcbFind(pd, req.ServerAddress); i >= 0 {
		unix.Munmap(pd.zcbs[i].mem)
		pd.zcbs = append(pd.zcbs[:i], pd.zcbs[i+1:]...)
	}
	e.respond(pd, wire.AppendCpgResHeader(nil, 0, wire.CsOK))
}

func (e *Engine) zcbAllFree(pd *cpd) {
	for _, z := range pd.zcbs {
		unix.Munmap(z.mem)
	}
	pd.zcbs = nil
}

// libZcExecute is message_handler_req_lib_cpg_zc_execute: the request
// struct req_lib_cpg_mcast sits in the buffer right after the 16-byte
// coroipcs_zc_header. The answer has id MESSAGE_RES_CPG_MCAST (2). C
// dereferences any address it is given; an address that is not one of this
// connection's buffers gets CS_ERR_BAD_HANDLE here.
func (e *Engine) libZcExecute(pd *cpd, msg []byte) {
	server, err := wire.DecodeCpgReqU64(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgZcExecute)
		return
	}
	res := canMcast(pd)
	i := e.zcbFind(pd, server)
	switch {
	case res != wire.CsOK:
	case i < 0:
		res = wire.CsErrBadHandle
	default:
		req, err := wire.DecodeCpgReqMcast(pd.zcbs[i].mem[wire.CpgZcHeaderSize:])
		if err != nil {
			res = wire.CsErrInvalidParam
			break
		}
		// The client can write the buffer while we read it; send a copy.
		payload := append([]byte(nil), req.Message...)
		if e.send(e.mcastHeader(pd, len(payload)), payload) != nil {
			res = wire.CsErrTryAgain
		}
	}
	e.respond(pd, wire.AppendCpgResHeader(nil, wire.MessageResCpgMcast, res))
}
