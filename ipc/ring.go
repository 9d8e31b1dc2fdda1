package ipc

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gorosync/gorosync/wire"
)

// ring is one libqb shared-memory ring buffer: a header file (pointers,
// paths, refcount, glibc semaphore) and a data file of u32 words holding
// chunks. Every method that touches the mappings runs with panic-on-fault and
// validates what the peer may have scribbled, so a hostile peer can only get
// its own connection dropped.
//
// The data file is mapped once (not libqb's double mapping); copies that
// cross the end are split in two.
type ring struct {
	hdr      []byte
	data     []byte
	words    uint32 // our own word count; the header copy is not trusted
	maxMsg   uint32
	hdrPath  string
	dataPath string
}

func (r *ring) u32(off int) *uint32 { return (*uint32)(unsafe.Pointer(&r.hdr[off])) }
func (r *ring) sem() *uint64        { return (*uint64)(unsafe.Pointer(&r.hdr[wire.RingOffSem])) }
func (r *ring) word(i uint32) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.data[(i%r.words)*4]))
}

// semWord is the futex word: the low half (value) of the u64 on little endian.
func (r *ring) semWord() *uint32 { return r.u32(wire.RingOffSem) }

func mapFile(f *os.File, size int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

// createFile makes one ring/control file the way libqb's server does.
func createFile(path string, size int, uid, gid int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_TRUNC, 0600)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	// Allocate now so that a full tmpfs fails the connect, not a later write.
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(size)); err != nil && err != syscall.EOPNOTSUPP {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if uid >= 0 && os.Geteuid() == 0 {
		f.Chown(uid, gid)
	}
	f.Chmod(0600)
	return f, nil
}

// createRing is the server side (QB_RB_FLAG_CREATE): both files, header
// initialised, ref_count 1, semaphore pshared.
func createRing(base string, maxMsg uint32, uid, gid int) (*ring, error) {
	real := wire.RingRealSize(maxMsg, os.Getpagesize())
	r := &ring{words: uint32(real / 4), maxMsg: maxMsg, hdrPath: base + "-header", dataPath: base + "-data"}
	hf, err := createFile(r.hdrPath, wire.RingHeaderFileSize, uid, gid)
	if err != nil {
		return nil, err
	}
	defer hf.Close()
	df, err := createFile(r.dataPath, real, uid, gid)
	if err != nil {
		os.Remove(r.hdrPath)
		return nil, err
	}
	defer df.Close()
	if r.hdr, err = mapFile(hf, wire.RingHeaderFileSize); err != nil {
		r.unlink()
		return nil, err
	}
	if r.data, err = mapFile(df, real); err != nil {
		syscall.Munmap(r.hdr)
		r.unlink()
		return nil, err
	}
	// Fresh tmpfs files are zero; only non-zero fields need writing.
	*r.u32(wire.RingOffWordSize) = r.words
	copy(r.hdr[wire.RingOffHdrPath:wire.RingOffHdrPath+wire.QBPathMax-1], r.hdrPath)
	copy(r.hdr[wire.RingOffDataPath:wire.RingOffDataPath+wire.QBPathMax-1], r.dataPath)
	*r.u32(wire.RingOffSemPriv) = wire.SemPrivShared
	atomic.StoreUint32(r.u32(wire.RingOffRefCount), 1)
	return r, nil
}

// openRing is the client side: reopen the server's files, size them as libqb's
// client does, and take a reference.
func openRing(base string, maxMsg uint32, userData int) (r *ring, err error) {
	real := wire.RingRealSize(maxMsg, os.Getpagesize())
	r = &ring{words: uint32(real / 4), maxMsg: maxMsg, hdrPath: base + "-header"}
	hf, err := os.OpenFile(r.hdrPath, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer hf.Close()
	hsize := wire.RingHeaderSize + userData
	if err := hf.Truncate(int64(hsize)); err != nil {
		return nil, err
	}
	if r.hdr, err = mapFile(hf, hsize); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.unmap()
		}
	}()
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if ws := atomic.LoadUint32(r.u32(wire.RingOffWordSize)); ws != r.words {
		return nil, fmt.Errorf("ipc: ring %s has %d words, expected %d: %w", base, ws, r.words, ErrCorrupt)
	}
	p := r.hdr[wire.RingOffDataPath : wire.RingOffDataPath+wire.QBPathMax]
	n := 0
	for n < len(p) && p[n] != 0 {
		n++
	}
	if n == len(p) {
		return nil, ErrCorrupt
	}
	r.dataPath = string(p[:n])
	df, err := os.OpenFile(r.dataPath, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer df.Close()
	if err := df.Truncate(int64(real)); err != nil {
		return nil, err
	}
	if r.data, err = mapFile(df, real); err != nil {
		return nil, err
	}
	atomic.AddUint32(r.u32(wire.RingOffRefCount), 1)
	return r, nil
}

// step is qb_rb_chunk_step: header words, data words rounded up, wrap.
func (r *ring) step(pt, size uint32) uint32 {
	pt += 2 + size/4
	if size%4 != 0 {
		pt++
	}
	if pt > r.words-1 {
		pt %= r.words
	}
	return pt
}

// pointers loads write_pt and read_pt and checks them, since the peer can
// write anything into the header.
func (r *ring) pointers() (w, rd uint32, err error) {
	w = atomic.LoadUint32(r.u32(wire.RingOffWritePt))
	rd = atomic.LoadUint32(r.u32(wire.RingOffReadPt))
	if w >= r.words || rd >= r.words {
		return 0, 0, ErrCorrupt
	}
	return w, rd, nil
}

func (r *ring) freeBytes(w, rd uint32) uint64 {
	switch {
	case w > rd:
		return uint64(rd-w+r.words-1) * 4
	case w < rd:
		return uint64(rd-w-1) * 4
	default:
		if uint32(atomic.LoadUint64(r.sem())) > 0 {
			return 0
		}
		return uint64(r.words) * 4
	}
}

// write appends one chunk made of parts (gathered, like qb_rb_chunk_writev)
// and posts the semaphore. A ring without room yields syscall.EAGAIN and is
// left untouched.
func (r *ring) write(parts ...[]byte) (err error) {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	if total > int(r.maxMsg) {
		return syscall.EMSGSIZE
	}
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	w, rd, err := r.pointers()
	if err != nil {
		return err
	}
	if r.freeBytes(w, rd) < uint64(total)+wire.ChunkMargin {
		return syscall.EAGAIN
	}
	*r.word(w) = 0
	atomic.StoreUint32(r.word(w+1), wire.ChunkMagicAlloc)
	off := ((w + 2) % r.words) * 4
	for _, p := range parts {
		off = r.copyIn(off, p)
	}
	*r.word(w) = uint32(total)
	atomic.StoreUint32(r.u32(wire.RingOffWritePt), r.step(w, uint32(total)))
	atomic.StoreUint32(r.word(w+1), wire.ChunkMagicCommitted)
	return r.post()
}

// copyIn copies p at byte offset off of the data file, wrapping at its end,
// and returns the offset after it.
func (r *ring) copyIn(off uint32, p []byte) uint32 {
	n := copy(r.data[off:], p)
	if n < len(p) {
		copy(r.data, p[n:])
	}
	return (off + uint32(len(p))) % uint32(len(r.data))
}

// post is glibc's sem_post on the shared sem_t: add one, wake a waiter if any
// registered itself in the upper half.
func (r *ring) post() error {
	p := r.sem()
	for {
		d := atomic.LoadUint64(p)
		if uint32(d) >= 0x7fffffff {
			return syscall.EOVERFLOW
		}
		if atomic.CompareAndSwapUint64(p, d, d+1) {
			if d>>32 != 0 {
				futexWakeOne(r.semWord())
			}
			return nil
		}
	}
}

// postGuarded is post for callers outside write.
func (r *ring) postGuarded() (err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return r.post()
}

// tryWait is sem_trywait: consume one token if there is one.
func (r *ring) tryWait() (ok bool, err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return r.tryWaitLocked(), nil
}

func (r *ring) tryWaitLocked() bool {
	p := r.sem()
	for {
		d := atomic.LoadUint64(p)
		if uint32(d) == 0 {
			return false
		}
		if atomic.CompareAndSwapUint64(p, d, d-1) {
			return true
		}
	}
}

// spinTries bounds the busy wait before sleeping on the futex.
var spinTries = 200

// timedWait is glibc's sem_timedwait: register as a waiter in the upper half
// so that posters issue FUTEX_WAKE, sleep on the low word while it is 0.
// It returns syscall.ETIMEDOUT when d elapses.
func (r *ring) timedWait(d time.Duration) (err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if r.tryWaitLocked() {
		return nil
	}
	// A response usually follows within microseconds; a short spin saves
	// the futex sleep and the scheduler hand-off around a blocking syscall.
	for spin := 0; spin < spinTries; spin++ {
		if r.tryWaitLocked() {
			return nil
		}
		runtime.Gosched()
	}
	deadline := time.Now().Add(d)
	p := r.sem()
	v := atomic.AddUint64(p, 1<<32)
	for {
		if uint32(v) > 0 {
			if atomic.CompareAndSwapUint64(p, v, v-1-(1<<32)) {
				return nil
			}
			v = atomic.LoadUint64(p)
			continue
		}
		left := time.Until(deadline)
		if left <= 0 {
			atomic.AddUint64(p, ^uint64(1<<32-1)) // -(1<<32)
			return syscall.ETIMEDOUT
		}
		futexWaitFor(r.semWord(), 0, left)
		v = atomic.LoadUint64(p)
	}
}

// read takes the chunk at read_pt if one is committed, into buf when it is
// large enough, else into a new slice. It returns (nil, nil) when there is
// none. The semaphore is not touched: the caller decides
// whether a token was consumed (server: trywait; client: timedWait first).
func (r *ring) read(buf []byte) (msg []byte, err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	rd := atomic.LoadUint32(r.u32(wire.RingOffReadPt))
	if rd >= r.words {
		return nil, ErrCorrupt
	}
	if atomic.LoadUint32(r.word(rd+1)) != wire.ChunkMagicCommitted {
		return nil, nil
	}
	size := atomic.LoadUint32(r.word(rd))
	if size > r.maxMsg || uint64(size)+wire.ChunkMargin > uint64(r.words)*4 {
		return nil, fmt.Errorf("%w: chunk of %d bytes", ErrCorrupt, size)
	}
	if buf != nil && cap(buf) >= int(size) {
		msg = buf[:size]
	} else {
		msg = make([]byte, size)
	}
	off := ((rd + 2) % r.words) * 4
	n := copy(msg, r.data[off:])
	copy(msg[n:], r.data)
	next := r.step(rd, size)
	*r.word(rd) = 0
	atomic.StoreUint32(r.word(rd+1), wire.ChunkMagicConsumed)
	atomic.StoreUint32(r.u32(wire.RingOffReadPt), next)
	return msg, nil
}

func (r *ring) refCount() (n int32, err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return int32(atomic.LoadUint32(r.u32(wire.RingOffRefCount))), nil
}

// userData reads/writes the request ring's flow-control word.
func (r *ring) userData() (v int32, err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return int32(atomic.LoadUint32(r.u32(wire.RingOffUserData))), nil
}

func (r *ring) setUserData(v int32) (err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	atomic.StoreUint32(r.u32(wire.RingOffUserData), uint32(v))
	return nil
}

// release drops our reference the way libqb does (set 1, then decrement), so
// the peer sees ref_count != 2 and knows the other side is gone.
func (r *ring) release() {
	func() {
		var err error
		defer recoverFault(&err)
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		atomic.StoreUint32(r.u32(wire.RingOffRefCount), 1)
		atomic.AddUint32(r.u32(wire.RingOffRefCount), ^uint32(0))
	}()
	r.unmap()
}

func (r *ring) unmap() {
	if r.hdr != nil {
		syscall.Munmap(r.hdr)
		r.hdr = nil
	}
	if r.data != nil {
		syscall.Munmap(r.data)
		r.data = nil
	}
}

func (r *ring) unlink() {
	os.Remove(r.dataPath)
	os.Remove(r.hdrPath)
}
