// Package validate checks rendered Kubernetes objects the way the API
// server would, before they reach it: JSON-schema validation against the
// embedded schemas of the target Kubernetes minor (strict, as kubectl's
// server-side field validation), CRDs taken from files or from the
// rendered set with their CEL rules, kubeconform-style schema locations,
// the apiserver's semantic checks on names, labels, annotations,
// quantities and list-map keys, and deprecated or removed APIs.
//
// Build a Validator once with New; it is safe for concurrent use. Per run,
// WithCRDs adds the CRDs found among the rendered objects.
package validate
