# METADATA
# title: Environment variable defined twice
# description: >-
#   When a container lists one variable twice the last one wins, which hides
#   the first from whoever reads the manifest.
# custom:
#   id: policy/env-duplicate
#   severity: warning
#   remediation: >-
#     Remove one of the definitions.
package syncgate.checks.env_duplicate

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.env[%d].name", [at, j])} if {
	some [at, c] in k8s.containers_at(input)
	env := object.get(c, "env", [])
	some i, e in env
	some j, f in env
	i < j
	e.name == f.name
	msg := sprintf("container %s defines environment variable %s more than once", [c.name, e.name])
}
