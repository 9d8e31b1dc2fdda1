package cpg

import (
	"github.com/gorosync/gorosync/wire"
)

// iteration is struct cpg_iteration_instance: a snapshot of process_info
// taken at ITERATIONINITIALIZE, walked by ITERATIONNEXT.
type iteration struct {
	handle uint64
	owner  *cpd
	items  []processInfo
	next   int
}

// libIterationInitialize is message_handler_req_lib_cpg_iteration_initialize.
// The snapshot is "grouped by" name the way C builds its list: a process
// whose group is already present goes right after the first entry of that
// group, any other at the front.
func (e *Engine) libIterationInitialize(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqIterInit(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgIterationInitialize)
		return
	}
	e.debugf("cpg iteration initialize")
	it := &iteration{handle: e.nextHandle, owner: pd}
	e.nextHandle++
	for _, pi := range e.procs {
		switch req.Type {
		case wire.CpgIterationNameOnly:
			dup := false
			for _, x := range it.items {
				if x.group.Equal(&pi.group) {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			pi.nodeid, pi.pid = 0, 0
		case wire.CpgIterationOneGroup:
			if !pi.group.Equal(&req.Group) {
				continue
			}
		}
		at := 0
		for i, x := range it.items {
			if x.group.Equal(&pi.group) {
				at = i + 1
				break
			}
		}
		it.items = append(it.items, processInfo{})
		copy(it.items[at+1:], it.items[at:])
		it.items[at] = pi
	}
	e.iterations[it.handle] = it
	pd.iterations = append(pd.iterations, it)
	e.respond(pd, wire.AppendCpgResU64(nil, wire.MessageResCpgIterationInitialize, wire.CsOK, it.handle))
}

// libIterationNext is message_handler_req_lib_cpg_iteration_next. Handles
// are global, as C's handle database: any connection may use any handle.
func (e *Engine) libIterationNext(pd *cpd, msg []byte) {
	h, err := wire.DecodeCpgReqU64(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgIterationNext)
		return
	}
	res := wire.CpgResIterNext{Error: wire.CsOK}
	it := e.iterations[h]
	switch {
	case it == nil:
		res.Error = wire.CsErrLibrary
	case it.next >= len(it.items):
		res.Error = wire.CsErrNoSections
	default:
		pi := it.items[it.next]
		it.next++
		res.Group, res.NodeID, res.PID = pi.group, pi.nodeid, pi.pid
	}
	e.respond(pd, res.Append(nil))
}

// libIterationFinalize is message_handler_req_lib_cpg_iteration_finalize.
func (e *Engine) libIterationFinalize(pd *cpd, msg []byte) {
	h, err := wire.DecodeCpgReqU64(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgIterationFinalize)
		return
	}
	res := wire.CsOK
	if it := e.iterations[h]; it != nil {
		e.iterationFinalize(it)
	} else {
		res = wire.CsErrLibrary
	}
	e.respond(pd, wire.AppendCpgResHeader(nil, wire.MessageResCpgIterationFinalize, res))
}

func (e *Engine) iterationFinalize(it *iteration) {
	delete(e.iterations, it.handle)
	l := it.owner.iterations
	for i, x := range l {
		if x == it {
			it.owner.iterations = append(l[:i], l[i+1:]...)
			break
		}
	}
}
