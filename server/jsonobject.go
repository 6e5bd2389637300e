package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// objectField reads the value at d.pos as one object of a review, named
// field in errors: the maps the checks read, as strictJSON would
// (FuzzDecodeReviewObject compares the two), with integers kept as int64
// and duplicate keys refused at any depth. Written for the one shape it
// decodes, it costs a fraction of the reflective decoder, which was a
// tenth of a review. Nesting deeper than maxDepth maps, lists and values
// below the object (as the check's decoder counts it) is refused. null is
// a nil map.
func (d *jsonDecoder) objectField(field string, maxDepth int) (map[string]any, error) {
	if d.literal("null") {
		return nil, nil
	}
	if d.pos >= len(d.text) || d.text[d.pos] != '{' {
		return nil, fmt.Errorf("%s is not a JSON object", field)
	}
	d.deepest = 0
	v, err := d.value(0)
	var dup duplicateError
	switch {
	case errors.As(err, &dup):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%s: %w", field, err)
	case d.deepest > maxDepth:
		return nil, fmt.Errorf("%s: %w: nesting deeper than %d", field, manifest.ErrLimit, maxDepth)
	}
	return v.(map[string]any), nil
}

// jsonDecoder reads one JSON value from text.
type jsonDecoder struct {
	// text is the body as one string. The strings read are cut from it,
	// not copied one by one (half the reader's allocations were theirs),
	// so they keep the whole body alive: what outlives the request keeps a
	// copy (the kind label, validate's cache of located schemas).
	text string
	pos  int
	// path holds the keys and indexes down to the value being read, for
	// the error about a duplicate key.
	path    []manifest.FieldStep
	deepest int
}

// newJSONDecoder reads data, of which it keeps one copy.
func newJSONDecoder(data []byte) *jsonDecoder {
	return &jsonDecoder{text: string(data)}
}

// errDuplicate is what a member function returns for a key it has met.
var errDuplicate = errors.New("duplicate key")

// duplicateError names a key met twice by its path, as strictJSON does.
type duplicateError string

func (e duplicateError) Error() string { return fmt.Sprintf("duplicate field %q", string(e)) }

// where names the value on d.path as strictJSON does: "a.b[1].key".
func (d *jsonDecoder) where() string { return manifest.JoinField(d.path) }

// want is the error for a value at d.pos of another type than wanted.
func (d *jsonDecoder) want(what string) error {
	if len(d.path) == 0 {
		return fmt.Errorf("want %s", what)
	}
	return fmt.Errorf("%s: want %s", d.where(), what)
}

func (d *jsonDecoder) syntaxError() error {
	return fmt.Errorf("invalid JSON at offset %d", d.pos)
}

func (d *jsonDecoder) space() {
	for d.pos < len(d.text) {
		switch d.text[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// literal consumes word when the text goes on with it.
func (d *jsonDecoder) literal(word string) bool {
	if len(d.text)-d.pos >= len(word) && d.text[d.pos:d.pos+len(word)] == word {
		d.pos += len(word)
		return true
	}
	return false
}

// maxNesting bounds the recursion, whatever the text, as the strict
// decoder's scanner does.
const maxNesting = 10000

// value reads the value at d.pos, depth levels down.
func (d *jsonDecoder) value(depth int) (any, error) {
	d.deepest = max(d.deepest, depth)
	if depth > maxNesting {
		return nil, fmt.Errorf("JSON nested deeper than %d", maxNesting)
	}
	if d.pos >= len(d.text) {
		return nil, d.syntaxError()
	}
	switch c := d.text[d.pos]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.string()
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case d.literal("true"):
		return true, nil
	case d.literal("false"):
		return false, nil
	case d.literal("null"):
		return nil, nil
	}
	return nil, d.syntaxError()
}

func (d *jsonDecoder) object(depth int) (any, error) {
	m := map[string]any{}
	err := d.members(func(key string) error {
		if _, dup := m[key]; dup {
			return errDuplicate
		}
		v, err := d.value(depth + 1)
		m[key] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// members reads the object at d.pos, calling member with d.pos at each
// member's value, which it consumes, and the key on d.path. A member that
// returns errDuplicate ends the read with an error naming the key.
func (d *jsonDecoder) members(member func(key string) error) error {
	if d.pos >= len(d.text) || d.text[d.pos] != '{' {
		return d.want("a JSON object")
	}
	d.pos++
	d.space()
	if d.pos < len(d.text) && d.text[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.space()
		if d.pos >= len(d.text) || d.text[d.pos] != '"' {
			return d.syntaxError()
		}
		key, err := d.string()
		if err != nil {
			return err
		}
		d.space()
		if d.pos >= len(d.text) || d.text[d.pos] != ':' {
			return d.syntaxError()
		}
		d.pos++
		d.space()
		d.path = append(d.path, manifest.FieldStep{Key: key, Index: -1})
		if err := member(key); err != nil {
			if err == errDuplicate {
				return duplicateError(d.where())
			}
			return err
		}
		d.path = d.path[:len(d.path)-1]
		switch done, err := d.separator('}'); {
		case err != nil:
			return err
		case done:
			return nil
		}
	}
}

// fields reads the members of the object at d.pos as members does, and
// refuses a key met twice.
func (d *jsonDecoder) fields(member func(key string) error) error {
	seen := map[string]bool{}
	return d.members(func(key string) error {
		if seen[key] {
			return errDuplicate
		}
		seen[key] = true
		return member(key)
	})
}

// stringField reads a string; null is "", as strictJSON leaves it.
func (d *jsonDecoder) stringField() (string, error) {
	switch {
	case d.literal("null"):
		return "", nil
	case d.pos < len(d.text) && d.text[d.pos] == '"':
		return d.string()
	}
	return "", d.want("a string")
}

// boolField reads a boolean; null is false, as strictJSON leaves it.
func (d *jsonDecoder) boolField() (bool, error) {
	switch {
	case d.literal("true"):
		return true, nil
	case d.literal("false"), d.literal("null"):
		return false, nil
	}
	return false, d.want("a boolean")
}

func (d *jsonDecoder) array(depth int) (any, error) {
	d.pos++ // [
	list := []any{}
	d.space()
	if d.pos < len(d.text) && d.text[d.pos] == ']' {
		d.pos++
		return list, nil
	}
	for {
		d.space()
		d.path = append(d.path, manifest.FieldStep{Index: len(list)})
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		list = append(list, v)
		switch done, err := d.separator(']'); {
		case err != nil:
			return nil, err
		case done:
			return list, nil
		}
	}
}

// separator consumes the comma after a member or element, or the closing
// bracket, which ends the object or array: done.
func (d *jsonDecoder) separator(closing byte) (done bool, err error) {
	d.space()
	if d.pos >= len(d.text) {
		return false, d.syntaxError()
	}
	switch d.text[d.pos] {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	}
	return false, d.syntaxError()
}

// string reads a string. One without escapes is its bytes; escapes are
// rare in manifests and left to encoding/json, which reads them as the
// strict decoder does (its copy of encoding/json).
func (d *jsonDecoder) string() (string, error) {
	start := d.pos
	escaped := false
	for i := start + 1; i < len(d.text); i++ {
		switch c := d.text[i]; {
		case c == '"':
			d.pos = i + 1
			if !escaped {
				return d.text[start+1 : i], nil
			}
			var s string
			if err := json.Unmarshal([]byte(d.text[start:d.pos]), &s); err != nil {
				return "", fmt.Errorf("invalid JSON string at offset %d: %w", start, err)
			}
			return s, nil
		case c == '\\':
			escaped = true
			i++ // the escaped character, a quote perhaps
		case c < 0x20:
			return "", fmt.Errorf("invalid character in a JSON string at offset %d", i)
		}
	}
	return "", d.syntaxError()
}

// number reads a number in JSON's grammar: an int64 when it has no '.'
// and fits, else a float64, as strictJSON keeps numbers.
func (d *jsonDecoder) number() (any, error) {
	start := d.pos
	if d.pos < len(d.text) && d.text[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.text) && d.text[d.pos] == '0':
		d.pos++
	case d.digits() == 0:
		return nil, d.syntaxError()
	}
	if d.pos < len(d.text) && d.text[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return nil, d.syntaxError()
		}
	}
	if d.pos < len(d.text) && (d.text[d.pos] == 'e' || d.text[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.text) && (d.text[d.pos] == '+' || d.text[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return nil, d.syntaxError()
		}
	}
	s := d.text[start:d.pos]
	if !strings.Contains(s, ".") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("number %s at offset %d: %w", s, start, err)
	}
	return f, nil
}

// digits consumes decimal digits and counts them.
func (d *jsonDecoder) digits() int {
	start := d.pos
	for d.pos < len(d.text) && '0' <= d.text[d.pos] && d.text[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}
