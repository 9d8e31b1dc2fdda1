package ring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gorosync/gorosync/totemsrp"
)

// ErrStoreRingID marks the errors of LoadRingSeq and StoreRingSeq: C exits
// with COROSYNC_DONE_STORE_RINGID on them.
var ErrStoreRingID = errors.New("ring id not stored")

// storeError words the failure as C logs it and matches ErrStoreRingID.
type storeError struct {
	msg string
	err error
}

func (e *storeError) Error() string        { return e.msg + ": " + e.err.Error() }
func (e *storeError) Unwrap() error        { return e.err }
func (e *storeError) Is(target error) bool { return target == ErrStoreRingID }

// LoadRingSeq is corosync_ring_id_create_or_load: the seq stored in
// dir/ringid_<nodeid>, or 0 when the file is missing or short, in which case
// the file is (re)created holding 0, as C does. An error means C would exit
// with COROSYNC_DONE_STORE_RINGID.
func LoadRingSeq(dir string, nodeID uint32) (uint64, error) {
	path := filepath.Join(dir, totemsrp.RingIDFileName(nodeID))
	b, err := os.ReadFile(path)
	if err == nil {
		if seq, ok := totemsrp.DecodeRingSeq(b); ok {
			return seq, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		// C treats an unreadable file like a missing one.
		err = nil
	}
	if err := writeRingSeq(path, 0, true); err != nil {
		return 0, &storeError{fmt.Sprintf("Couldn't create ringid file '%s'", path), err}
	}
	return 0, nil
}

// StoreRingSeq is corosync_ring_id_store: 8 bytes in host order, written in
// place (C opens O_WRONLY without truncation, so the file never shrinks).
func StoreRingSeq(dir string, nodeID uint32, seq uint64) error {
	path := filepath.Join(dir, totemsrp.RingIDFileName(nodeID))
	if err := writeRingSeq(path, seq, false); err != nil {
		return &storeError{fmt.Sprintf("Couldn't store new ring id %x to stable storage", seq), err}
	}
	return nil
}

func writeRingSeq(path string, seq uint64, create bool) error {
	flags := os.O_WRONLY
	if create {
		flags = os.O_CREATE | os.O_RDWR
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil && !create {
		f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	}
	if err != nil {
		return err
	}
	// Debian's 3.1.7 leaves its ringid files at 0600 whatever the umask
	// (measured); umask is process-wide here, so set the mode afterwards.
	_ = f.Chmod(0o600)
	_, werr := f.Write(totemsrp.EncodeRingSeq(seq))
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}
