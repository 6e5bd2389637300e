// Command syncgate checks a GitOps repository before merge and before sync.
package main

import (
	"os"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/secrets"
)

func main() {
	syncgate.ServeWorker()
	growHeapFirst(startingHeap)
	// The sops packages log through their own loggers, which may quote a
	// decrypted file: this program silences them once, for itself.
	secrets.SilenceSOPSLogging()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
