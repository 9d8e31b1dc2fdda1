package confparse

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The syntax tree of one file. Lines are already classified by lineLexer,
// so the grammar only nests sections. A section's Close is optional because
// a file may end (with a Bad "Missing closing brace" token) inside it.
type astFile struct {
	Entries []*astEntry `parser:"@@*"`
}

type astEntry struct {
	Section *astSection `parser:"  @@"`
	Item    *astItem    `parser:"| @@"`
	Bad     *astBad     `parser:"| @@"`
}

type astSection struct {
	Pos     lexer.Position
	Name    string      `parser:"@Open"`
	Entries []*astEntry `parser:"@@*"`
	Close   *astClose   `parser:"@@?"`
}

type astClose struct {
	Pos lexer.Position
	Tok string `parser:"@Close"`
}

type astItem struct {
	Pos lexer.Position
	Raw string `parser:"@Item"`
}

// Key and Value split the token the lexer built.
func (it *astItem) Key() string {
	k, _, _ := strings.Cut(it.Raw, itemSep)
	return k
}

func (it *astItem) Value() string {
	_, v, _ := strings.Cut(it.Raw, itemSep)
	return v
}

type astBad struct {
	Pos lexer.Position
	Msg string `parser:"@Bad"`
}

var fileParser = participle.MustBuild[astFile](
	participle.Lexer(lineDef{}),
	participle.UseLookahead(1),
)

// parseAST runs the grammar. Every token stream lineLexer produces is
// grammatical, so an error here is a bug; it is still reported, not panicked.
func parseAST(filename string, data []byte) (*astFile, error) {
	f, err := fileParser.Parse(filename, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("confparse: internal grammar error: %w", err)
	}
	return f, nil
}
