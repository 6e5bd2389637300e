// Command floor decodes every rendered YAML file in a directory once, the
// least work any checker of those files must do: bench/pipeline.sh times it
// as the floor that the check stages are measured against.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/syncgate/syncgate/manifest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor DIR")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	objects := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(2)
		}
		objs, err := manifest.DecodeObjects(file, data, manifest.DefaultLimits())
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		objects += len(objs)
	}
	fmt.Printf("%d files, %d objects\n", len(files), objects)
}
