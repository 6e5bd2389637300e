// Package manifest holds the types every syncgate stage shares: the decoded
// Kubernetes Object with its Origin, the Finding a check reports, and a
// bounded YAML stream decoder for untrusted input.
//
// Stages never import each other; they meet only through these types.
package manifest
