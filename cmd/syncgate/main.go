// Command syncgate checks a GitOps repository before merge and before sync.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
