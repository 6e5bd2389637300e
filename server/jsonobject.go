package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// decodeJSONObject decodes the JSON text of a review's object into the
// maps the checks read, as strictJSON would (FuzzDecodeJSONObject compares
// the two): integers kept as int64, duplicate keys refused at any depth,
// named by their path under field. Written for the one shape it decodes,
// it costs a fraction of the reflective decoder, which was a tenth of a
// review. Nesting deeper than maxDepth maps, lists and values below the
// object (as the check's decoder counts it) is refused once the whole text
// has decoded, so that a text with a duplicate key too is refused for
// that, as before. null is a nil map.
func decodeJSONObject(field string, text []byte, maxDepth int) (map[string]any, error) {
	d := jsonDecoder{data: text}
	d.space()
	if d.literal("null") {
		d.space()
		if d.pos != len(d.data) {
			return nil, fmt.Errorf("%s: invalid JSON after null", field)
		}
		return nil, nil
	}
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return nil, fmt.Errorf("%s is not a JSON object", field)
	}
	v, err := d.value(0)
	if err == nil {
		d.space()
		if d.pos != len(d.data) {
			err = d.syntaxError()
		}
	}
	var dup *duplicateError
	switch {
	case errors.As(err, &dup):
		return nil, fmt.Errorf("duplicate field %q", field+dup.path(d.path))
	case err != nil:
		return nil, fmt.Errorf("%s: %w", field, err)
	case d.deepest > maxDepth:
		return nil, fmt.Errorf("%s: %w: nesting deeper than %d", field, manifest.ErrLimit, maxDepth)
	}
	return v.(map[string]any), nil
}

// jsonDecoder reads one JSON value from data.
type jsonDecoder struct {
	data []byte
	pos  int
	// path holds the keys and indexes down to the value being read, for
	// the error about a duplicate key.
	path    []pathStep
	deepest int
}

// pathStep is a key, when index is -1, or else an index.
type pathStep struct {
	key   string
	index int
}

// duplicateError is a key met twice in one object; path is the decoder's
// at that moment.
type duplicateError struct{ key string }

func (e *duplicateError) Error() string { return "duplicate key " + strconv.Quote(e.key) }

// path names the key as strictJSON does: ".a.b[1].key".
func (e *duplicateError) path(steps []pathStep) string {
	var b strings.Builder
	for _, s := range steps {
		if s.index >= 0 {
			fmt.Fprintf(&b, "[%d]", s.index)
		} else {
			b.WriteString("." + s.key)
		}
	}
	return b.String() + "." + e.key
}

func (d *jsonDecoder) syntaxError() error {
	return fmt.Errorf("invalid JSON at offset %d", d.pos)
}

func (d *jsonDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// literal consumes word when the text goes on with it.
func (d *jsonDecoder) literal(word string) bool {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return true
	}
	return false
}

// maxNesting bounds the recursion as the strict decoder's scanner does,
// whatever the text; a review's has passed that scanner already.
const maxNesting = 10000

// value reads the value at d.pos, depth levels down.
func (d *jsonDecoder) value(depth int) (any, error) {
	d.deepest = max(d.deepest, depth)
	if depth > maxNesting {
		return nil, fmt.Errorf("JSON nested deeper than %d", maxNesting)
	}
	if d.pos >= len(d.data) {
		return nil, d.syntaxError()
	}
	switch c := d.data[d.pos]; {
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
	d.pos++ // {
	m := map[string]any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m, nil
	}
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.syntaxError()
		}
		key, err := d.string()
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, &duplicateError{key}
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.syntaxError()
		}
		d.pos++
		d.space()
		d.path = append(d.path, pathStep{key: key, index: -1})
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		m[key] = v
		switch done, err := d.separator('}'); {
		case err != nil:
			return nil, err
		case done:
			return m, nil
		}
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	d.pos++ // [
	list := []any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return list, nil
	}
	for {
		d.space()
		d.path = append(d.path, pathStep{index: len(list)})
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
	if d.pos >= len(d.data) {
		return false, d.syntaxError()
	}
	switch d.data[d.pos] {
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
	for i := start + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			if !escaped {
				return string(d.data[start+1 : i]), nil
			}
			var s string
			if err := json.Unmarshal(d.data[start:d.pos], &s); err != nil {
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
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case d.digits() == 0:
		return nil, d.syntaxError()
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return nil, d.syntaxError()
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return nil, d.syntaxError()
		}
	}
	s := string(d.data[start:d.pos])
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
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}
