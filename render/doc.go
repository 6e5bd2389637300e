// Package render finds the targets of a GitOps repository and renders each
// one as Argo CD or Flux would: Kustomize through krusty, Helm charts
// through the Helm v4 SDK, plain manifests as they are. Everything runs
// in-process and offline, reading only the repository's fs.FS.
package render
