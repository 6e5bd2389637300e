# METADATA
# title: Object is placed in the default namespace
# description: >-
#   The default namespace is shared by everything that names no namespace;
#   workloads placed there escape per-namespace quotas, policies and RBAC.
# custom:
#   id: policy/default-namespace
#   severity: warning
#   remediation: >-
#     Set `metadata.namespace` to the application's namespace (or let the
#     kustomization's `namespace:` set it).
package syncgate.checks.default_namespace

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": "metadata.namespace"} if {
	k8s.namespace(input) == "default"
	msg := sprintf("%s %s is in the default namespace", [input.kind, k8s.name(input)])
}
