package syncgate.checks_test.image_tag_latest

import data.syncgate.checks.image_tag_latest as check
import data.syncgate.lib.fixtures

test_latest_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].image"] with input as fixtures.container("image", "registry.example.com/shop/web:latest")
}

test_missing_tag_fires if {
	count(check.deny) == 1 with input as fixtures.container("image", "registry.example.com:5000/shop/web")
}

test_version_and_digest_pass if {
	count(check.deny) == 0 with input as fixtures.deployment
	count(check.deny) == 0 with input as fixtures.container("image", "registry.example.com:5000/web@sha256:0123456789abcdef")
}
