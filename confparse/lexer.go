package confparse

import (
	"bytes"
	"io"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// corosync reads its config with fgets into a 512-byte buffer and decides
// everything about a line from that line alone (exec/coroparse.c
// parse_section). The lexer therefore works line by line and hands the
// grammar one token per meaningful line.
const lineBufSize = 512

// Token kinds. A Bad token carries the error text C prints for the line and
// is always the last token before EOF: C stops at the first bad line.
// Participle reserves non-negative types for literal characters.
const (
	tokOpen lexer.TokenType = -(iota + 2)
	tokItem
	tokClose
	tokBad
)

type lineDef struct{}

// Symbols builds its map on each call: the parser is a package variable
// built during init, possibly before this file's variables.
func (lineDef) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF": lexer.EOF, "Open": tokOpen, "Item": tokItem, "Close": tokClose, "Bad": tokBad,
	}
}

func (lineDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return &lineLexer{file: filename, data: data}, nil
}

// lineLexer also tracks brace depth, so an unbalanced '}' or a missing one at
// EOF becomes a Bad token at exactly the line C reports.
type lineLexer struct {
	file  string
	data  []byte
	off   int
	line  int
	depth int
	done  bool
}

// itemSep separates key and value inside an Item token's value. C strings
// end at the first NUL, so neither part can contain one.
const itemSep = "\x00"

func (l *lineLexer) pos() lexer.Position {
	return lexer.Position{Filename: l.file, Line: l.line, Column: 1, Offset: l.off}
}

func (l *lineLexer) bad(msg string) (lexer.Token, error) {
	l.done = true
	return lexer.Token{Type: tokBad, Value: msg, Pos: l.pos()}, nil
}

func (l *lineLexer) Next() (lexer.Token, error) {
	for !l.done && l.off < len(l.data) {
		// fgets: up to 511 bytes, stopping after '\n'.
		rest := l.data[l.off:]
		n := len(rest)
		if n > lineBufSize-1 {
			n = lineBufSize - 1
		}
		if i := bytes.IndexByte(rest[:n], '\n'); i >= 0 {
			n = i + 1
		}
		chunk := rest[:n]
		l.off += n
		l.line++
		// feof() is only true once a read hit the end of the file, which
		// happens when the chunk ended short of both '\n' and the buffer size.
		atEOF := chunk[len(chunk)-1] != '\n' && len(chunk) < lineBufSize-1

		s := chunk
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i] // everything after a NUL is invisible to strlen
		}
		if len(s) > 0 {
			if s[len(s)-1] != '\n' && !atEOF {
				return l.bad("Line too long")
			}
			if s[len(s)-1] == '\n' {
				s = s[:len(s)-1]
			}
			if len(s) > 0 && s[len(s)-1] == '\r' {
				s = s[:len(s)-1]
			}
		}
		line := strings.TrimRight(string(s), " \t")
		first := strings.TrimLeft(line, " \t")
		if first == "" || first[0] == '#' {
			continue
		}
		return l.classify(line)
	}
	if !l.done && l.depth > 0 {
		return l.bad("Missing closing brace")
	}
	l.done = true
	return lexer.EOFToken(l.pos()), nil
}

// afterRS is C's strchr_rs: the index just past the first c, then past any
// blanks; -1 if c is absent.
func afterRS(s string, c byte) int {
	i := strings.IndexByte(s, c)
	if i < 0 {
		return -1
	}
	i++
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// removeWhitespace is C's remove_whitespace: strip leading blanks, then
// trailing blanks (and ':' '{' when asked) but never the first remaining char.
func removeWhitespace(s string, colonAndBrace bool) string {
	s = strings.TrimLeft(s, " \t")
	end := len(s)
	for end > 1 {
		c := s[end-1]
		if c == ' ' || c == '\t' || (colonAndBrace && (c == ':' || c == '{')) {
			end--
			continue
		}
		break
	}
	return s[:end]
}

func (l *lineLexer) classify(line string) (lexer.Token, error) {
	// '{' is looked for before ':', so "key: a{" is a (bad) section line.
	if loc := afterRS(line, '{'); loc >= 0 {
		section := removeWhitespace(line[:loc-1], true)
		after := removeWhitespace(line[loc:], false)
		if section == "" {
			return l.bad("Missing section name before opening bracket '{'")
		}
		if after != "" {
			return l.bad("Extra characters after opening bracket '{'")
		}
		l.depth++
		return lexer.Token{Type: tokOpen, Value: section, Pos: l.pos()}, nil
	}
	if loc := afterRS(line, ':'); loc >= 0 {
		key := removeWhitespace(line[:loc-1], true)
		value := removeWhitespace(line[loc:], false)
		return lexer.Token{Type: tokItem, Value: key + itemSep + value, Pos: l.pos()}, nil
	}
	if afterRS(line, '}') >= 0 {
		if removeWhitespace(line, false) != "}" {
			return l.bad("Extra characters before or after closing bracket '}'")
		}
		if l.depth == 0 {
			return l.bad("Unexpected closing brace")
		}
		l.depth--
		return lexer.Token{Type: tokClose, Value: "}", Pos: l.pos()}, nil
	}
	return l.bad("Line is not opening or closing section or key value")
}
