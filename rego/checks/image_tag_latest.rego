# METADATA
# title: Image uses the latest tag or no tag
# description: >-
#   A container image without a tag, or tagged latest, can change under the
#   same manifest: rollbacks and audits no longer know what ran.
# custom:
#   id: policy/image-tag-latest
#   severity: warning
#   remediation: >-
#     Pin the image to a version tag (`:1.4.2`) or a digest (`@sha256:...`).
package syncgate.checks.image_tag_latest

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.image", [at])} if {
	some [at, c] in k8s.containers_at(input)
	image := object.get(c, "image", "")
	image != ""
	not contains(image, "@")
	unpinned(image)
	msg := sprintf("container %s: image %q has a latest or missing tag", [c.name, image])
}

# The tag follows the last colon after the last slash; a colon before it
# belongs to a registry port.
unpinned(image) if {
	parts := split(image, "/")
	not contains(parts[count(parts) - 1], ":")
}

unpinned(image) if endswith(image, ":latest")
