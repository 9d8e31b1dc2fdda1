package confparse

import (
	"fmt"
	"math"
)

// callback mirrors coroparse.c's parser_cb_f. state is the section state
// that C passes by value down the recursion: a child section starts from its
// parent's state and SECTION_START may change it for the child only.
type callback interface {
	sectionStart(path string, state *cbState) error
	item(path, key, value string, state cbState) error
	sectionEnd(path string, state *cbState) error
}

// cbError is a callback failure; walk adds the file and line as C does.
type cbError string

func (e cbError) Error() string { return string(e) }

// crashError marks input on which corosync 3.1.7 does not fail cleanly but
// dies (assertion or heap corruption). We refuse it with our own message;
// status is the exit status C dies with.
type crashError struct {
	msg    string
	status int
}

func (e crashError) Error() string { return e.msg }

// fmtErr reproduces C's fixed 256-byte formatting buffer for callback
// messages: anything that does not fit becomes a generic message.
func fmtErr(format string, a ...any) cbError {
	s := fmt.Sprintf(format, a...)
	if len(s) >= 256 {
		return "Can't format parser error message"
	}
	return cbError(s)
}

// parseFile is coroparse.c's parse_section over a whole file.
func parseFile(name string, data []byte, cb callback) error {
	f, err := parseAST(name, data)
	if err != nil {
		return err
	}
	return walk(name, f.Entries, "", cbNormal, cb)
}

func lineError(file string, line int, msg string) *Error {
	// "parser error: FILE:LINE: MSG" must fit C's 384-byte buffer.
	if len(fmt.Sprintf("parser error: %s:%d: %s", file, line, msg)) >= 384 {
		return &Error{Msg: "Can't format parser error message", Status: statusMainConfig}
	}
	return &Error{File: file, Line: line, Msg: msg, Status: statusMainConfig}
}

// cbLineError places a callback error at its line.
func cbLineError(file string, line int, err error) *Error {
	if c, ok := err.(crashError); ok {
		return &Error{File: file, Line: line, Msg: c.msg, Status: c.status}
	}
	return lineError(file, line, err.Error())
}

func walk(file string, entries []*astEntry, path string, state cbState, cb callback) error {
	for _, e := range entries {
		switch {
		case e.Bad != nil:
			return lineError(file, e.Bad.Pos.Line, e.Bad.Msg)
		case e.Item != nil:
			key, value := e.Item.Key(), e.Item.Value()
			if len(path)+len(key)+1 >= keyNameMax {
				return lineError(file, e.Item.Pos.Line, "New key makes total cmap path too long")
			}
			if err := cb.item(joinPath(path, key), key, value, state); err != nil {
				return cbLineError(file, e.Item.Pos.Line, err)
			}
		case e.Section != nil:
			s := e.Section
			if len(path)+len(s.Name)+1 >= keyNameMax {
				return lineError(file, s.Pos.Line, "Start of section makes total cmap path too long")
			}
			child := joinPath(path, s.Name)
			newState := state
			if err := cb.sectionStart(child, &newState); err != nil {
				return cbLineError(file, s.Pos.Line, err)
			}
			if err := walk(file, s.Entries, child, newState, cb); err != nil {
				return err
			}
			if s.Close == nil {
				// The lexer always ends an unclosed section with a Bad
				// token, which the recursion above has returned.
				return lineError(file, s.Pos.Line, "Missing closing brace")
			}
			if err := cb.sectionEnd(child, &newState); err != nil {
				return cbLineError(file, s.Close.Pos.Line, err)
			}
		}
	}
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

type intRange struct{ min, max int64 }

var (
	rangeU8  = intRange{0, math.MaxUint8}
	rangeU16 = intRange{0, math.MaxUint16}
	rangeI32 = intRange{math.MinInt32, math.MaxInt32}
	rangeU32 = intRange{0, math.MaxUint32}
)

// atoiError is C's atoi_error message.
func atoiError(keyName string, r intRange, value string) cbError {
	return fmtErr("Value of key \"%s\" is expected to be integer in range (%d..%d), but \"%s\" was given",
		keyName, r.min, r.max, value)
}

func setError(keyName, cserr string) cbError {
	return fmtErr("Can't store key \"%s\" into icmap, returned error is %s", keyName, cserr)
}

// u64Error covers the u64 keys (totem.config_version, resources poll_period).
// C 3.1.7 has no message for them: its atoi_error path asserts on the value
// type and corosync aborts (exit 134). We refuse with a readable message.
func u64Error(keyName, value string) error {
	return crashError{status: statusAbort, msg: fmt.Sprintf(
		"Value of key \"%s\" is expected to be an unsigned 64-bit integer, but \"%s\" was given", keyName, value)}
}
