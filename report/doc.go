// Package report formats a syncgate Decision: text for people, json (the
// stable contract of docs/design.md), sarif for code scanning, junit for CI
// dashboards, github workflow annotations and a markdown pull-request
// summary. It holds no checking logic.
//
// Every format is a pure function of the Decision and the Options: it
// never changes the Decision and reads nothing else (no environment, no
// files), so a value that is not in the Decision cannot reach the output,
// and the same Decision always gives the same bytes. Formats lists them
// all, for tests that must run every one.
//
// Rule descriptions for the formats that explain rules come from a Rules
// lookup in Options; a Catalog built from each stage's registry is one.
// A rule it does not know is described by its ID.
package report
