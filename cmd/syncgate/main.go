// Command syncgate checks a GitOps repository before merge and before sync.
package main

import (
	"os"

	"github.com/syncgate/syncgate"
)

func main() {
	syncgate.ServeWorker()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
