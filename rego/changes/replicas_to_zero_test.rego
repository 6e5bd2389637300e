package syncgate.changes_test.replicas_to_zero

import data.syncgate.changes.replicas_to_zero as check

deployment(namespace, replicas) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web", "namespace": namespace},
	"spec": {"replicas": replicas},
}

update(old, new) := {"operation": "UPDATE", "old": old, "new": new, "target": "apps/web/overlays/prod"}

test_prod_to_zero_fires if {
	check.deny == {"Deployment web in production namespace prod goes from 3 replicas to 0"} with input as update(deployment("prod", 3), deployment("prod", 0))
	count(check.deny) == 1 with input as update(deployment("shop-production", 2), deployment("shop-production", 0))
}

test_unset_replicas_count_as_one if {
	old := json.remove(deployment("prod", 1), ["spec/replicas"])
	count(check.deny) == 1 with input as update(old, deployment("prod", 0))
}

labelled(namespace, replicas) := json.patch(deployment(namespace, replicas), [{"op": "add", "path": "/metadata/labels", "value": {"environment": "production"}}])

test_environment_label_is_production if {
	count(check.deny) == 1 with input as update(labelled("web", 2), labelled("web", 0))
}

test_other_namespaces_pass if {
	count(check.deny) == 0 with input as update(deployment("staging", 3), deployment("staging", 0))
	count(check.deny) == 0 with input as update(deployment("reproduce", 3), deployment("reproduce", 0))
}

test_other_changes_pass if {
	count(check.deny) == 0 with input as update(deployment("prod", 3), deployment("prod", 1))
	count(check.deny) == 0 with input as update(deployment("prod", 0), deployment("prod", 0))
	count(check.deny) == 0 with input as {"operation": "CREATE", "old": null, "new": deployment("prod", 0), "target": "t"}
	count(check.deny) == 0 with input as {"operation": "DELETE", "old": deployment("prod", 3), "new": null, "target": "t"}
}
