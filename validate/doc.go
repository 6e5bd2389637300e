// Package validate checks rendered Kubernetes objects the way the API
// server would, before they reach it: JSON-schema validation against the
// embedded schemas of the target Kubernetes minor (strict, as kubectl's
// server-side field validation), CRDs taken from files or from the
// rendered set with their CEL rules, then the bundled CRD catalogue of the
// GitOps ecosystem (CRDCatalog; Options.NoCRDCatalog turns it off, and a
// repository's own CRD of a kind wins over it), kubeconform-style schema
// locations,
// the apiserver's semantic checks on names, labels, annotations,
// quantities and list-map keys, its native checks the schemas do not carry
// (containers, ports and volumes of every pod template, found by shape in
// custom workloads too; workload selectors; Service ports), kinds no
// Kubernetes version serves in its own groups, and deprecated or removed
// APIs.
//
// Build a Validator once with New; it is safe for concurrent use. Per run
// (one check of a repository), WithCRDs adds the CRDs found among all the
// rendered objects, and the Validator it returns checks each target's
// objects; CRDFindings reports the CRDs the API server would refuse. CRDs
// are compiled when an object first needs them, or by CRDFindings, whose
// result a caller may keep for the same CRDs, Kubernetes version and
// build:
//
//	v, err := validate.New(validate.Options{KubernetesVersion: "1.33", CRDs: crdObjects})
//	...
//	run := v.WithCRDs(allRenderedObjects)
//	findings := run.CRDFindings()
//	for _, target := range targets {
//		findings = append(findings, run.Validate(ctx, target.Objects)...)
//	}
package validate
