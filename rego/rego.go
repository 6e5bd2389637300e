// Package rego holds syncgate's bundled policy library: Rego v1 checks
// in the spirit of kube-linter's and Polaris's defaults, each in its own
// package under syncgate.checks with a # METADATA block (title,
// description, custom.id, custom.severity, custom.remediation), helper
// functions under syncgate.lib, and _test.rego unit tests beside them.
//
// The package only embeds the files; the policy package compiles and
// evaluates them.
package rego

import "embed"

// FS holds the library: lib/*.rego, checks/*.rego and the change
// policies changes/*.rego (package syncgate.changes), with their tests.
//
//go:embed lib checks changes
var FS embed.FS
