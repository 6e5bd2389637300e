# METADATA
# title: A production workload is scaled to zero
# description: >-
#   The change sets spec.replicas of a Deployment or StatefulSet in a
#   production namespace (prod, production, or a name ending in -prod or
#   -production, or an env or environment label of prod or production)
#   to 0 while it ran at least one replica: once synced, it serves
#   nothing. A change policy: it sees the object before and after the
#   change (input.old, input.new).
# custom:
#   id: policy/replicas-to-zero
#   severity: error
#   remediation: >-
#     Keep at least one replica. When the workload is retired on purpose,
#     remove it instead, or waive the finding with an exception that says
#     why.
package syncgate.changes.replicas_to_zero

deny contains msg if {
	input.operation == "UPDATE"
	input.new.kind in {"Deployment", "StatefulSet"}
	production(input.new)
	replicas(input.old) > 0
	replicas(input.new) == 0
	msg := sprintf("%s %s in production namespace %s goes from %v replicas to 0", [input.new.kind, input.new.metadata.name, namespace(input.new), replicas(input.old)])
}

# replicas(obj) is what the API server runs: 1 when spec.replicas is unset.
replicas(obj) := object.get(obj, ["spec", "replicas"], 1)

namespace(obj) := object.get(obj, ["metadata", "namespace"], "")

production_names := {"prod", "production"}

production(obj) if namespace(obj) in production_names

production(obj) if {
	some name in production_names
	endswith(namespace(obj), concat("", ["-", name]))
}

production(obj) if {
	some key in ["env", "environment"]
	object.get(obj, ["metadata", "labels", key], "") in production_names
}
