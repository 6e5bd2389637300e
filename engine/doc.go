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
// are listed as skipped targets with the reason.
package engine
