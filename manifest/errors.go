package manifest

import (
	"errors"
	"fmt"
)

// SourceError is an error tied to a place in a source file. Every stage
// wraps what it knows of a bad file in one, so that users are told the file
// and, where known, the line.
type SourceError struct {
	// File is relative to the repository root, slash-separated.
	File string
	// Line is 1-based, or 0 when unknown.
	Line int
	// Err is what went wrong.
	Err error
}

func (e *SourceError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

// SourceErrors returns every SourceError in err's tree, including those
// joined with errors.Join, outermost first.
func SourceErrors(err error) []*SourceError {
	var found []*SourceError
	var walk func(error)
	walk = func(err error) {
		if se, ok := err.(*SourceError); ok {
			found = append(found, se)
			return
		}
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	if err != nil {
		walk(err)
	}
	return found
}

// ErrLimit marks errors caused by an input exceeding a decoding bound, so
// callers can tell hostile or oversized input from a plain syntax error.
var ErrLimit = errors.New("limit exceeded")
