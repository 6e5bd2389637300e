//go:build !unix

package policy

import "time"

// processCPU is, where the process's CPU time is not read, the wall time
// since it started: the bound is then one of wall time.
func processCPU() time.Duration { return wallSinceStart() }
