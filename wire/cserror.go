package wire

import (
	"errors"
	"fmt"
)

// CsError is corosync's cs_error_t (corotypes.h). It travels in the error
// field of every IPC response header, so it lives with the other on-wire
// enums. CS_OK is 1, not 0: a zero CsError is not a valid result.
type CsError uint32

const (
	CsOK                   CsError = 1
	CsErrLibrary           CsError = 2
	CsErrVersion           CsError = 3
	CsErrInit              CsError = 4
	CsErrTimeout           CsError = 5
	CsErrTryAgain          CsError = 6
	CsErrInvalidParam      CsError = 7
	CsErrNoMemory          CsError = 8
	CsErrBadHandle         CsError = 9
	CsErrBusy              CsError = 10
	CsErrAccess            CsError = 11
	CsErrNotExist          CsError = 12
	CsErrNameTooLong       CsError = 13
	CsErrExist             CsError = 14
	CsErrNoSpace           CsError = 15
	CsErrInterrupt         CsError = 16
	CsErrNameNotFound      CsError = 17
	CsErrNoResources       CsError = 18
	CsErrNotSupported      CsError = 19
	CsErrBadOperation      CsError = 20
	CsErrFailedOperation   CsError = 21
	CsErrMessageError      CsError = 22
	CsErrQueueFull         CsError = 23
	CsErrQueueNotAvailable CsError = 24
	CsErrBadFlags          CsError = 25
	CsErrTooBig            CsError = 26
	CsErrNoSections        CsError = 27
	CsErrContextNotFound   CsError = 28
	CsErrTooManyGroups     CsError = 30
	CsErrSecurity          CsError = 100
)

var csErrorNames = map[CsError]string{
	CsOK: "CS_OK", CsErrLibrary: "CS_ERR_LIBRARY", CsErrVersion: "CS_ERR_VERSION",
	CsErrInit: "CS_ERR_INIT", CsErrTimeout: "CS_ERR_TIMEOUT", CsErrTryAgain: "CS_ERR_TRY_AGAIN",
	CsErrInvalidParam: "CS_ERR_INVALID_PARAM", CsErrNoMemory: "CS_ERR_NO_MEMORY",
	CsErrBadHandle: "CS_ERR_BAD_HANDLE", CsErrBusy: "CS_ERR_BUSY", CsErrAccess: "CS_ERR_ACCESS",
	CsErrNotExist: "CS_ERR_NOT_EXIST", CsErrNameTooLong: "CS_ERR_NAME_TOO_LONG",
	CsErrExist: "CS_ERR_EXIST", CsErrNoSpace: "CS_ERR_NO_SPACE", CsErrInterrupt: "CS_ERR_INTERRUPT",
	CsErrNameNotFound: "CS_ERR_NAME_NOT_FOUND", CsErrNoResources: "CS_ERR_NO_RESOURCES",
	CsErrNotSupported: "CS_ERR_NOT_SUPPORTED", CsErrBadOperation: "CS_ERR_BAD_OPERATION",
	CsErrFailedOperation: "CS_ERR_FAILED_OPERATION", CsErrMessageError: "CS_ERR_MESSAGE_ERROR",
	CsErrQueueFull: "CS_ERR_QUEUE_FULL", CsErrQueueNotAvailable: "CS_ERR_QUEUE_NOT_AVAILABLE",
	CsErrBadFlags: "CS_ERR_BAD_FLAGS", CsErrTooBig: "CS_ERR_TOO_BIG",
	CsErrNoSections: "CS_ERR_NO_SECTIONS", CsErrContextNotFound: "CS_ERR_CONTEXT_NOT_FOUND",
	CsErrTooManyGroups: "CS_ERR_TOO_MANY_GROUPS", CsErrSecurity: "CS_ERR_SECURITY",
}

func (e CsError) String() string {
	if n, ok := csErrorNames[e]; ok {
		return n
	}
	return fmt.Sprintf("cs_error(%d)", uint32(e))
}

// Error lets a CsError travel as a Go error; only non-OK values should.
func (e CsError) Error() string { return e.String() }

// CsErrorOf maps a Go error onto the cs_error_t an IPC response carries:
// nil is CS_OK, a CsError (possibly wrapped) is itself, anything else is
// CS_ERR_LIBRARY, C's catch-all.
func CsErrorOf(err error) CsError {
	if err == nil {
		return CsOK
	}
	var ce CsError
	if errors.As(err, &ce) {
		return ce
	}
	return CsErrLibrary
}
