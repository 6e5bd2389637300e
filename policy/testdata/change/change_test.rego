package change_test

import data.change

web(image) := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}

test_downgrade_denied if {
	change.deny_image_downgrade == {"container app is rolled back to web:0.9 in target apps/web"} with input as {"operation": "UPDATE", "target": "apps/web", "old": web("web:1.0"), "new": web("web:0.9")}
}

test_upgrade_allowed if {
	count(change.deny_image_downgrade) == 0 with input as {"operation": "UPDATE", "target": "apps/web", "old": web("web:1.0"), "new": web("web:1.1")}
}
