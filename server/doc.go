// Package server is the HTTP gate: a Kubernetes validating admission
// webhook (POST /v1/admission), a check API for objects rendered elsewhere
// (POST /v1/check), health and readiness probes and Prometheus metrics.
//
// One compiled Set (a Gate and its named configurations) serves every
// request; a watcher rebuilds it off to the side when the policy or
// configuration files change and swaps it in whole, keeping the old one
// when the new one does not compile. Every request is bounded: body size,
// decoding depth and aliases, a deadline, and a cap on the requests
// checked at once, past which admission fails closed unless told to fail
// open.
package server
