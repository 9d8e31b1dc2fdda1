package cmap

import (
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// libHandlers is cmap_lib_engine, indexed by request id.
func (e *Engine) libHandlers() []ipc.Handler {
	return []ipc.Handler{
		wire.MessageReqCmapSet:           e.set,
		wire.MessageReqCmapDelete:        e.delete,
		wire.MessageReqCmapGet:           e.get,
		wire.MessageReqCmapAdjustInt:     e.adjustInt,
		wire.MessageReqCmapIterInit:      e.iterInit,
		wire.MessageReqCmapIterNext:      e.iterNext,
		wire.MessageReqCmapIterFinalize:  e.iterFinalize,
		wire.MessageReqCmapTrackAdd:      e.trackAdd,
		wire.MessageReqCmapTrackDelete:   e.trackDelete,
		wire.MessageReqCmapSetCurrentMap: e.setCurrentMap,
	}
}

// respond sends one response; a client that vanished or stopped reading
// is the ipc layer's business, as it is libqb's in C.
func (e *Engine) respond(c *ipc.Conn, b []byte) {
	if err := c.Respond(b); err != nil {
		e.cfg.Logf("%v: response not sent: %v", c, err)
	}
}

// A request shorter than its struct (or whose value_len overruns it)
// never comes from libcmap; C would read past it. It gets the response of
// its kind with CS_ERR_INVALID_PARAM.

// write runs a modifying request on the connection's current map; a key
// that map holds read-only is refused with CS_ERR_ACCESS, as cmap.c does for
// set, delete and adjust alike.
func (ci *connInfo) write(key string, op func(be backend, key string) error) wire.CsError {
	ci.mu.Lock()
	be := ci.be
	ci.mu.Unlock()
	if be.isKeyRO(key) {
		return wire.CsErrAccess
	}
	return csErr(op(be, key))
}

func (e *Engine) set(c *ipc.Conn, msg []byte) {
	ret := wire.CsErrInvalidParam
	if req, err := wire.DecodeCmapReqSet(msg); err == nil {
		ret = info(c).write(req.Key.CString(), func(be backend, key string) error { return be.set(key, req.Value, req.Type) })
	}
	e.respond(c, wire.CmapResStatus(nil, wire.MessageResCmapSet, ret))
}

func (e *Engine) delete(c *ipc.Conn, msg []byte) {
	ret := wire.CsErrInvalidParam
	if req, err := wire.DecodeCmapReqDelete(msg); err == nil {
		ret = info(c).write(req.Key.CString(), func(be backend, key string) error { return be.delete(key) })
	}
	e.respond(c, wire.CmapResStatus(nil, wire.MessageResCmapDelete, ret))
}

func (e *Engine) adjustInt(c *ipc.Conn, msg []byte) {
	ret := wire.CsErrInvalidParam
	if req, err := wire.DecodeCmapReqAdjustInt(msg); err == nil {
		ret = info(c).write(req.Key.CString(), func(be backend, key string) error { return be.adjustInt(key, req.Step) })
	}
	e.respond(c, wire.CmapResStatus(nil, wire.MessageResCmapAdjustInt, ret))
}

// get answers with a response as large as the caller's buffer
// (40 + value_len), the value at its start; value_len 0 asks for type and
// length only. Errors are 40-byte responses.
func (e *Engine) get(c *ipc.Conn, msg []byte) {
	ci := info(c)
	req, err := wire.DecodeCmapReqGet(msg)
	if err != nil {
		e.respond(c, (&wire.CmapResGet{Error: wire.CsErrInvalidParam}).Append(nil))
		return
	}
	// C mallocs the whole buffer first; a size no message can carry is
	// that malloc failing.
	if req.ValueLen > uint64(c.MaxMsgSize())-wire.CmapResGetSize {
		e.respond(c, (&wire.CmapResGet{Error: wire.CsErrNoMemory}).Append(nil))
		return
	}
	key := req.Key.CString()
	ci.mu.Lock()
	be := ci.be
	ci.mu.Unlock()
	var res wire.CmapResGet
	if req.ValueLen == 0 {
		n, t, err := be.info(key)
		if err != nil {
			e.respond(c, (&wire.CmapResGet{Error: csErr(err)}).Append(nil))
			return
		}
		res = wire.CmapResGet{Error: wire.CsOK, ValueLen: uint64(n), Type: t}
	} else {
		data, t, err := be.getRaw(key)
		if err == nil && uint64(len(data)) > req.ValueLen {
			err = wire.CsErrInvalidParam
		}
		if err != nil {
			e.respond(c, (&wire.CmapResGet{Error: csErr(err)}).Append(nil))
			return
		}
		buf := make([]byte, req.ValueLen)
		copy(buf, data)
		res = wire.CmapResGet{Error: wire.CsOK, ValueLen: uint64(len(data)), Type: t, Value: buf}
	}
	e.respond(c, res.Append(nil))
}

func (e *Engine) iterInit(c *ipc.Conn, msg []byte) {
	ci := info(c)
	res := wire.CmapResHandle{ID: wire.MessageResCmapIterInit, Error: wire.CsErrInvalidParam}
	if req, err := wire.DecodeCmapReqIterInit(msg); err == nil {
		prefix := ""
		if req.Prefix.Length > 0 {
			prefix = req.Prefix.CString()
		}
		ci.mu.Lock()
		res.Handle = ci.iters.create(ci.be.iterInit(prefix))
		ci.mu.Unlock()
		res.Error = wire.CsOK
	}
	e.respond(c, res.Append(nil))
}

func (e *Engine) iterNext(c *ipc.Conn, msg []byte) {
	ci := info(c)
	res := wire.CmapResIterNext{Error: wire.CsErrInvalidParam}
	if req, err := wire.DecodeCmapReqHandle(msg); err == nil {
		ci.mu.Lock()
		it, err := ci.iters.get(req.Handle)
		ci.mu.Unlock()
		if err != nil {
			res.Error = csErr(err)
		} else if key, n, t, ok := it.Next(); !ok {
			res.Error = wire.CsErrNoSections
		} else {
			res = wire.CmapResIterNext{Error: wire.CsOK, Key: marName(key), ValueLen: uint64(n), Type: t}
		}
	}
	e.respond(c, res.Append(nil))
}

func (e *Engine) iterFinalize(c *ipc.Conn, msg []byte) {
	ci := info(c)
	ret := wire.CsErrInvalidParam
	if req, err := wire.DecodeCmapReqHandle(msg); err == nil {
		ci.mu.Lock()
		ret = csErr(ci.iters.destroy(req.Handle))
		ci.mu.Unlock()
	}
	e.respond(c, wire.CmapResStatus(nil, wire.MessageResCmapIterFinalize, ret))
}

func (e *Engine) trackAdd(c *ipc.Conn, msg []byte) {
	ci := info(c)
	res := wire.CmapResHandle{ID: wire.MessageResCmapTrackAdd, Error: wire.CsErrInvalidParam}
	if req, err := wire.DecodeCmapReqTrackAdd(msg); err == nil {
		key := ""
		if req.Key.Length > 0 {
			key = req.Key.CString()
		}
		ci.mu.Lock()
		be := ci.be
		ti := &trackInfo{be: be, inst: req.TrackInstHandle}
		t, err := be.trackAdd(key, icmap.TrackFlags(req.TrackType), e.notifier(c, req.TrackInstHandle))
		if err != nil {
			res.Error = csErr(err)
		} else {
			ti.t = t
			res.Handle = ci.tracks.create(ti)
			res.Error = wire.CsOK
		}
		ci.mu.Unlock()
	}
	e.respond(c, res.Append(nil))
}

func (e *Engine) trackDelete(c *ipc.Conn, msg []byte) {
	ci := info(c)
	res := wire.CmapResHandle{ID: wire.MessageResCmapTrackDelete, Error: wire.CsErrInvalidParam}
	if req, err := wire.DecodeCmapReqHandle(msg); err == nil {
		ci.mu.Lock()
		ti, err := ci.tracks.get(req.Handle)
		if err != nil {
			res.Error = csErr(err)
		} else {
			res.Handle = ti.inst
			res.Error = csErr(ti.be.trackDelete(ti.t))
			_ = ci.tracks.destroy(req.Handle)
		}
		ci.mu.Unlock()
	}
	e.respond(c, res.Append(nil))
}

// setCurrentMap is refused with CS_ERR_BUSY while the connection holds
// iterators or tracks of the map it uses.
func (e *Engine) setCurrentMap(c *ipc.Conn, msg []byte) {
	ci := info(c)
	ret := wire.CsErrInvalidParam
	if req, err := wire.DecodeCmapReqSetCurrentMap(msg); err == nil {
		ci.mu.Lock()
		open := ci.iters.len() + ci.tracks.len()
		ci.iters.pinAll()
		ci.tracks.pinAll()
		switch {
		case open > 0:
			ret = wire.CsErrBusy
		case req.Map == wire.CmapSetMapDefault:
			ci.be, ret = e.def, wire.CsOK
		case req.Map == wire.CmapSetMapStats:
			ci.be, ret = e.stats, wire.CsOK
		default:
			ret = wire.CsErrNotExist
		}
		ci.mu.Unlock()
	}
	e.respond(c, wire.CmapResStatus(nil, wire.MessageResCmapSetCurrentMap, ret))
}

// notifier is cmap_notify_fn bound to one track: every change becomes a
// NOTIFY_CALLBACK event carrying the client's inst handle and both values.
func (e *Engine) notifier(c *ipc.Conn, inst uint64) icmap.NotifyFunc {
	return func(ev icmap.TrackFlags, key string, newV, oldV icmap.NotifyValue, _ any) {
		n := wire.CmapNotify{
			TrackInstHandle: inst,
			Key:             marName(key),
			Event:           int32(ev),
			NewType:         newV.Type,
			OldType:         oldV.Type,
			NewValue:        notifyBytes(newV),
			OldValue:        notifyBytes(oldV),
		}
		if err := c.SendEvent(n.Append(nil)); err != nil {
			e.cfg.Logf("%v: notification for %s not sent: %v", c, key, err)
		}
	}
}

// notifyBytes gives the value_len bytes C copies from an icmap value.
func notifyBytes(v icmap.NotifyValue) []byte {
	if v.Type == wire.ValueNotExist || v.Data == nil {
		return nil
	}
	b, _, err := wire.EncodeValue(v.Data)
	if err != nil {
		return nil
	}
	if len(b) > v.Len {
		b = b[:v.Len]
	}
	return b
}

// marName puts a key into a mar_name_t as C does (memcpy strlen bytes).
// icmap keys are at most 255 bytes, so nothing is cut in practice.
func marName(key string) wire.MarName {
	var n wire.MarName
	k := copy(n.Value[:], key)
	n.Length = uint16(k)
	return n
}
