package validate

import (
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/syncgate/syncgate/manifest"
)

// MissingSchemas says what an object without a schema is: "warning" (the
// default), "error" or "ignore".
type MissingSchemas string

// The MissingSchemas policies.
const (
	MissingSchemasWarning MissingSchemas = "warning"
	MissingSchemasError   MissingSchemas = "error"
	MissingSchemasIgnore  MissingSchemas = "ignore"
)

// severity returns the severity of a missing-schema finding, or "" when
// such findings are not reported.
func (m MissingSchemas) severity() (manifest.Severity, error) {
	switch m {
	case "", MissingSchemasWarning:
		return manifest.SeverityWarning, nil
	case MissingSchemasError:
		return manifest.SeverityError, nil
	case MissingSchemasIgnore:
		return "", nil
	}
	return "", fmt.Errorf("missing-schemas %q: want error, warning or ignore", string(m))
}

// Options configure a Validator. The zero value is usable: newest
// Kubernetes version, no CRDs but the bundled catalogue, no schema
// locations, missing schemas warn.
type Options struct {
	// KubernetesVersion selects the embedded schema set ("1.33", "v1.33",
	// "1.33.4"); "" means the newest. Deprecated and removed APIs are
	// judged against it.
	KubernetesVersion string
	// CRDs are CustomResourceDefinitions given by the user (--crds), as
	// decoded objects. Objects that are not apiextensions.k8s.io CRDs are
	// skipped (logged at debug level); CRDs the API server would refuse
	// are reported.
	CRDs []*manifest.Object
	// SchemaLocations are kubeconform schema locations, tried in order
	// after the embedded schemas and the CRDs: a directory laid out as
	// kubeconform's, or a template such as
	// "dir/{{ .ResourceKind }}{{ .KindSuffix }}.json". http(s) locations
	// need AllowRemote.
	SchemaLocations []string
	// NoCRDCatalog turns off the bundled CRD catalogue (Flux, Argo CD,
	// Argo Rollouts, cert-manager, Gateway API, Prometheus operator,
	// SealedSecrets, External Secrets, Kyverno, Gatekeeper; see
	// CRDCatalog), whose kinds are otherwise checked against their CRDs
	// when neither the rendered objects nor CRDs define them.
	NoCRDCatalog bool
	// RepositorySchemaLocations are schema locations a repository's own
	// configuration names, tried after SchemaLocations: local ones are
	// paths inside RepositoryFS, and nothing outside it is read.
	RepositorySchemaLocations []string
	// RepositoryFS is the repository RepositorySchemaLocations are in.
	RepositoryFS fs.FS
	// AllowRemote lets http(s) schema locations be fetched.
	AllowRemote bool
	// MissingSchemas is the policy for objects no schema covers.
	MissingSchemas MissingSchemas
	// Jobs bounds how many objects are validated at once; 0 means
	// GOMAXPROCS.
	Jobs int
	// Logger receives debug messages (skipped CRD inputs); nil discards
	// them.
	Logger *slog.Logger
}

// DefaultOptions returns the options New assumes for zero fields.
func DefaultOptions() Options {
	return Options{MissingSchemas: MissingSchemasWarning}
}
