// Package provenance finds the file and line that a finding's fix
// belongs on: the last writer of the field at fault, through kustomize's
// resources, patches, generators and transformers, a Helm chart's
// templates and values files, or a plain manifest. It works on demand,
// for findings only: rendering records no more than each object's source,
// so clean objects cost nothing.
package provenance
