// Package engine finds the targets that GitOps operators define in a
// repository: Flux Kustomizations and Argo CD Applications whose source is
// the repository itself, each turned into a render.Target carrying the
// object's options, so that syncgate renders what the operator would.
//
// This repository is the source of a Flux Kustomization when its
// sourceRef names a GitRepository called flux-system (what flux bootstrap
// creates, pointing at the repository it writes to) or a GitRepository,
// found in the repository, whose url is Options.RepoURL; of an Argo CD
// Application when its source.repoURL is Options.RepoURL. URLs compare
// after normalisation (scheme, user, ".git" and trailing "/" dropped, so
// the https and ssh forms of a URL are one). Objects with other sources
// are listed as skipped targets with the reason. A Kustomization whose
// sourceRef is an ExternalArtifact renders from the artifact an
// ArtifactGenerator of the repository makes of this repository's files
// (render.Artifact), when every source its copy rules read is this
// repository.
//
// Engine objects are also read from what charts render (AppOfApps): an
// app-of-apps chart's Applications become targets defined by the template
// file that rendered them, and the charts those render are followed in
// turn, up to MaxDepth. A chain that comes back to a chart with the same
// options is a cycle, cut and listed as a skipped target.
package engine
