package main

import (
	"strings"

	"github.com/getsops/sops/v3"
)

// fixture is one generated file.
type fixture struct {
	path string
	kind string // "sops" or "sealed"
	// plain is the document before encryption or sealing.
	plain string
	// recipient is "other" to encrypt for the other test key, else the
	// test key.
	recipient      string
	encryptedRegex string
	// after breaks an encrypted fixture on purpose.
	after func(*sops.Tree)
}

const kubeSecretRegex = "^(data|stringData)$"

const dbSecret = `apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  labels:
    app.kubernetes.io/name: db
type: Opaque
stringData:
  DB_USER: app
  DB_PASSWORD: fixture-password-1f8a2c7e
`

var fixtures = []fixture{
	// Test fixtures, one per SOPS rule and its negative.
	{path: "testdata/secrets/sops/valid.sops.yaml", kind: "sops", plain: dbSecret, encryptedRegex: kubeSecretRegex},
	{path: "testdata/secrets/sops/partial.sops.yaml", kind: "sops", plain: dbSecret, encryptedRegex: kubeSecretRegex,
		after: set("fixture-leftover-6e2b9d4a", "stringData", "DB_HOST_PASSWORD")},
	{path: "testdata/secrets/sops/wrong-recipients.sops.yaml", kind: "sops", plain: dbSecret, encryptedRegex: kubeSecretRegex, recipient: "other"},
	{path: "testdata/secrets/sops/tampered.sops.yaml", kind: "sops", plain: dbSecret, encryptedRegex: kubeSecretRegex,
		after: set("db-credentials-renamed", "metadata", "name")},
	{path: "testdata/secrets/sops/no-mac.sops.yaml", kind: "sops", plain: dbSecret, encryptedRegex: kubeSecretRegex,
		after: func(t *sops.Tree) { t.Metadata.MessageAuthenticationCode = "" }},
	{path: "testdata/secrets/sops/values.sops.yaml", kind: "sops", plain: "database:\n  host: db.internal\n  password: fixture-values-3c9d1e7f\nreplicas: 2\n"},
	{path: "testdata/secrets/sops/json/config.sops.json", kind: "sops", plain: "apiKey: fixture-json-5a7c2e9b\nregion: eu-west-1\n"},
	{path: "testdata/secrets/sealed/valid.yaml", kind: "sealed", plain: sealedSecret("web-basic-auth", "web", "")},
	{path: "testdata/secrets/sealed/cluster-wide.yaml", kind: "sealed", plain: sealedSecret("web-basic-auth", "web", "cluster-wide")},
	{path: "testdata/secrets/sealed/namespace-wide.yaml", kind: "sealed", plain: sealedSecret("web-basic-auth", "web", "namespace-wide")},

	// Canary repository: every value the canary test must never see.
	{path: "testdata/secrets/canary/partial.sops.yaml", kind: "sops", plain: strings.Replace(canarySOPS, "canary-sops", "canary-sops-partial", 1), encryptedRegex: kubeSecretRegex,
		after: set("CANARY-sops-leftover-3e6f1b90", "stringData", "LEFTOVER")},
	{path: "testdata/secrets/canary/decrypt.sops.yaml", kind: "sops", plain: canarySOPS, encryptedRegex: kubeSecretRegex},
	{path: "testdata/engine/flux-sops/clusters/app-vars.sops.yaml", kind: "sops", plain: fluxVars, encryptedRegex: kubeSecretRegex},
	{path: "testdata/secrets/canary/sealed.yaml", kind: "sealed", plain: canarySealed},

	// Examples: the valid repository keeps its secrets encrypted and
	// sealed; the broken one leaves a value out of a SOPS file and renames
	// a strict-scope SealedSecret.
	{path: "examples/gitops-repo/apps/api/base/db-credentials.sops.yaml", kind: "sops", plain: exampleDBSecret, encryptedRegex: kubeSecretRegex},
	{path: "examples/gitops-repo/apps/web/base/sealedsecret-basic-auth.yaml", kind: "sealed", plain: sealedSecret("web-basic-auth", "", "cluster-wide")},
	{path: "examples/broken/apps/api/base/api-keys.sops.yaml", kind: "sops", plain: exampleAPIKeys, encryptedRegex: kubeSecretRegex,
		after: set("not-a-real-key-left-in-plain-text", "stringData", "PAYMENTS_API_KEY")},
	{path: "examples/broken/apps/web/base/sealedsecret-basic-auth.yaml", kind: "sealed", plain: "# BROKEN: sealed with strict scope as web-basic-auth in web-dev, but the overlays\n" +
		"# BROKEN: rename it (namePrefix, nameSuffix) and move it: the controller cannot unseal it.\n" + sealedSecret("web-basic-auth", "web-dev", "")},
}

// fluxVars is the SOPS Secret a Flux Kustomization substitutes from, in
// the engine fixture of postBuild decryption.
const fluxVars = `apiVersion: v1
kind: Secret
metadata:
  name: app-vars
  namespace: flux-system
type: Opaque
stringData:
  DB_HOST: db-sops-canary-5b1e.internal
data:
  API_TOKEN: dG9rLXNvcHMtY2FuYXJ5LTkzYWQxNw==
`

const canarySOPS = `apiVersion: v1
kind: Secret
metadata:
  name: canary-sops
type: Opaque
stringData:
  DECRYPTED: CANARY-sops-decrypted-9a4c2e71
`

const canarySealed = `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: canary-sealed
  namespace: canary
spec:
  encryptedData:
    password: CANARY-sealed-value-never-in-git
  template:
    metadata:
      name: canary-sealed
      namespace: canary
    stringData:
      TEMPLATE_PASSWORD: CANARY-sealed-template-5d8b3f42`

const exampleDBSecret = `apiVersion: v1
kind: Secret
metadata:
  name: api-db-credentials
  labels:
    app.kubernetes.io/name: api
type: Opaque
stringData:
  DB_USER: api
  DB_PASSWORD: not-a-real-password
`

const exampleAPIKeys = `# BROKEN: PAYMENTS_API_KEY was added after encryption and is in plain text.
apiVersion: v1
kind: Secret
metadata:
  name: api-keys
  labels:
    app.kubernetes.io/name: api
type: Opaque
stringData:
  SEARCH_API_KEY: not-a-real-search-key
`

// sealedSecret is a SealedSecret of one value before sealing; scope is
// "", "namespace-wide" or "cluster-wide".
func sealedSecret(name, namespace, scope string) string {
	meta := "  name: " + name + "\n"
	if namespace != "" {
		meta += "  namespace: " + namespace + "\n"
	}
	ann := ""
	if scope != "" {
		ann = "  annotations:\n    sealedsecrets.bitnami.com/" + scope + ": \"true\"\n"
	}
	return "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n" + meta + ann +
		"spec:\n  encryptedData:\n    auth: basic-auth-not-a-real-value\n  template:\n    metadata:\n" +
		indent(meta+ann, "    ") + "    type: Opaque"
}

func indent(s, prefix string) string {
	var out strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" {
			out.WriteString(prefix + line)
		}
	}
	return out.String()
}
