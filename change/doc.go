// Package change compares what two revisions render: it matches the
// objects of a target at base and head, diffs them field by field, and
// reports the changes the API server would refuse or that lose data when
// the operator prunes (the change/* rules).
package change
