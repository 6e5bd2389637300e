// Package syncgate answers one question for a GitOps repository: if this
// revision were synced, what would reach the cluster, and is it safe?
//
// Build a Gate once with New, then call Check for each revision. The Gate
// renders every target the way Argo CD or Flux would (see package render),
// runs the checks on every rendered object, and returns a Decision.
package syncgate
