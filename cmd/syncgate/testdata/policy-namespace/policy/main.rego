# The package conftest and syncgate evaluate by default.
package main

warn contains msg if {
	input.kind == "ConfigMap"
	msg := sprintf("ConfigMap %s is hand-written; a configMapGenerator keeps its hash suffix", [input.metadata.name])
}
