// Command corpus writes a synthetic GitOps monorepo for benchmarks: Kustomize
// apps with dev, staging and prod overlays, Helm charts with per-environment
// values, secrets in plaintext, SOPS and SealedSecret shapes, fake credentials
// for secret scanners, conftest policies, and a few planted violations.
//
//	go run ./bench/corpus -out DIR [-seed 1] [-apps 100] [-charts 20] [-scale 1] [-force]
//
// The output depends only on the flags: the same flags write the same bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// config says what to generate.
type config struct {
	// Seed drives every random choice.
	Seed uint64
	// Apps and Charts are counts before Scale multiplies them.
	Apps, Charts int
	// Scale multiplies Apps and Charts.
	Scale int
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(2)
	}
}

func run(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("corpus", flag.ContinueOnError)
	dir := fl.String("out", "", "directory to write the corpus into (required)")
	force := fl.Bool("force", false, "remove a non-empty -out directory first")
	var cfg config
	fl.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	fl.IntVar(&cfg.Apps, "apps", 100, "Kustomize apps, each with dev, staging and prod overlays")
	fl.IntVar(&cfg.Charts, "charts", 20, "Helm charts, each with dev, staging and prod values")
	fl.IntVar(&cfg.Scale, "scale", 1, "multiplies -apps and -charts")
	if err := fl.Parse(args); err != nil {
		return err
	}
	switch {
	case *dir == "":
		return errors.New("-out is required")
	case fl.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	case cfg.Apps < 0 || cfg.Charts < 0 || cfg.Scale < 1:
		return errors.New("-apps and -charts must be >= 0 and -scale >= 1")
	}
	if err := prepare(*dir, *force); err != nil {
		return err
	}
	start := time.Now()
	st, err := generate(*dir, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %d apps, %d charts: %d files, %d bytes to %s in %s\n",
		cfg.Apps*cfg.Scale, cfg.Charts*cfg.Scale, st.files, st.bytes, *dir, time.Since(start).Round(time.Millisecond))
	return nil
}

// prepare makes dir an empty directory. A non-empty dir is refused unless
// force, which removes it first; never when it holds the working directory,
// so that "-out . -force" cannot delete the checkout.
func prepare(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("%s is not empty (use -force to replace it)", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(abs, wd); err == nil && filepath.IsLocal(rel) {
		return fmt.Errorf("refusing to remove %s: it holds the working directory", dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}
