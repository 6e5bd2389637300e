# METADATA
# title: Secret written into an environment variable
# description: >-
#   An environment variable whose name says it holds a password, token or
#   key, with its value written in the manifest, puts the secret in the
#   repository and in every copy of the object.
# custom:
#   id: policy/env-secret-literal
#   severity: error
#   remediation: >-
#     Move the value into a Secret and use `valueFrom.secretKeyRef`.
package syncgate.checks.env_secret_literal

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.env[%d].value", [at, i])} if {
	some [at, c] in k8s.containers_at(input)
	some i, e in object.get(c, "env", [])
	object.get(e, "value", "") != ""
	regex.match(`(?i)(secret|passw(or)?d|token|api_?key|private_?key|credential)`, e.name)
	msg := sprintf("container %s: environment variable %s holds a literal value; use a secretKeyRef", [c.name, e.name])
}
