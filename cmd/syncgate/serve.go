package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/server"
)

func newServeCmd() *cobra.Command {
	var gf gateFlags
	opts := server.DefaultOptions()
	var named []string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the gate over HTTP: an admission webhook and a check API",
		Long: `Serve the gate to a cluster and its operators:

  POST /v1/admission  AdmissionReview admission.k8s.io/v1 (a validating webhook)
  POST /v1/check      a YAML or JSON stream of objects; answers the JSON
                      decision of check -o json (?target=NAME, ?config=NAME)
  GET  /healthz, /readyz (ready once the policies are compiled), /metrics

The checks are those of check, with the same flags. Policies, CRDs and
configuration files are watched: a change rebuilds them off to the side and
swaps them in; a build that fails keeps the previous set. Past
--max-inflight requests checked at once, a review waits --queue-wait for a
slot and is then denied, or allowed with --fail-open. One JSON line per
answer goes to stdout: uid, kind, namespace, name, verdict, rule IDs and
duration, never a value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			configs, err := parseNamedConfigs(named)
			if err != nil {
				return usageError(err)
			}
			namespacesFlag := cmd.Flags().Changed("exclude-namespace")
			opts.Load = func(ctx context.Context) (*server.Set, error) { return gf.serverSet(ctx, configs, namespacesFlag) }
			opts.Watch = gf.watched(configs)
			opts.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			opts.DecisionLog = slog.New(slog.NewJSONHandler(cmd.OutOrStdout(), nil))
			serveGC()
			s, err := server.New(opts)
			if err != nil {
				return usageError(err)
			}
			if err := s.Run(cmd.Context()); err != nil {
				return usageError(err)
			}
			return nil
		},
	}
	gf.register(cmd)
	gf.registerChecks(cmd)
	// Objects reach serve rendered: nothing is rendered, and policies run
	// in this process under --request-timeout and --policy-timeout.
	for _, name := range []string{"in-process", "render-timeout", "render-memory", "root", "load-restrictor", "repo-url"} {
		_ = cmd.Flags().MarkHidden(name)
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", opts.Addr, "address of the API, over TLS when --tls-cert is set")
	fl.StringVar(&opts.MetricsAddr, "metrics-addr", opts.MetricsAddr, `address of /metrics over plain HTTP; "" serves it on --addr`)
	fl.StringVar(&opts.CertFile, "tls-cert", "", "TLS certificate file (PEM), read again when it changes")
	fl.StringVar(&opts.KeyFile, "tls-key", "", "TLS key file (PEM), read again when it changes")
	fl.Int64Var(&opts.MaxBody, "max-body", opts.MaxBody, "largest request body in bytes; larger gets 413")
	fl.DurationVar(&opts.RequestTimeout, "request-timeout", opts.RequestTimeout, "most time one check may take; keep it below the webhook's timeoutSeconds")
	fl.IntVar(&opts.MaxInflight, "max-inflight", opts.MaxInflight, "requests checked at once")
	fl.DurationVar(&opts.QueueWait, "queue-wait", opts.QueueWait, "how long a request past --max-inflight waits for a slot")
	fl.BoolVar(&opts.FailOpen, "fail-open", false, "allow, instead of deny, an admission review that found no slot")
	fl.StringSliceVar(&opts.ExcludedNamespaces, "exclude-namespace", opts.ExcludedNamespaces, "namespaces whose objects are admitted without a check (repeatable); --config's admission.excludedNamespaces replace them")
	fl.DurationVar(&opts.ReloadInterval, "reload-interval", opts.ReloadInterval, "how often the policy, CRD and configuration files are polled for changes")
	fl.DurationVar(&opts.ShutdownTimeout, "shutdown-timeout", opts.ShutdownTimeout, "how long a stop waits for the requests in flight")
	fl.BoolVar(&opts.Profiling, "profiling", false, "serve the Go profiles under /debug/pprof/ beside /metrics")
	fl.StringArrayVar(&named, "named-config", nil, "trusted configuration a /v1/check request may name with ?config=NAME, as NAME=FILE (repeatable)")
	return cmd
}

// serveGCPercent is serve's GOGC when the environment sets none. A review
// allocates much and keeps nothing, so the collector's cost falls as the
// heap may grow further past what stays live; docs/serve.md gives the
// throughput and RSS it was measured at.
const serveGCPercent = 200

// serveGC sets serveGCPercent unless GOGC says otherwise.
func serveGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
}

// parseNamedConfigs splits --named-config NAME=FILE values by name.
func parseNamedConfigs(specs []string) (map[string]string, error) {
	files := map[string]string{}
	for _, spec := range specs {
		name, file, ok := strings.Cut(spec, "=")
		if !ok || name == "" || file == "" {
			return nil, fmt.Errorf("--named-config %q: want NAME=FILE", spec)
		}
		if _, dup := files[name]; dup {
			return nil, fmt.Errorf("--named-config: %s given twice", name)
		}
		files[name] = file
	}
	return files, nil
}

// serverSet builds the Gate of the flags and reads the named
// configurations: what serve loads at start and on every change. The
// --config file's admission.excludedNamespaces, when set, replace
// --exclude-namespace; namespacesFlag says the flag was given, and then
// the file may not set them too.
func (f *gateFlags) serverSet(ctx context.Context, configs map[string]string, namespacesFlag bool) (*server.Set, error) {
	opts, err := f.options()
	if err != nil {
		return nil, err
	}
	// Isolation guards rendering; serve renders nothing.
	opts.Isolation = nil
	set := &server.Set{FailOn: opts.FailOn, Configs: map[string]*syncgate.Config{}}
	if opts.Config != nil && opts.Config.Admission.ExcludedNamespaces != nil {
		if namespacesFlag {
			return nil, fmt.Errorf("--config %s sets admission.excludedNamespaces: leave out --exclude-namespace", f.config)
		}
		set.ExcludedNamespaces = opts.Config.Admission.ExcludedNamespaces
	}
	for name, file := range configs {
		if set.Configs[name], err = syncgate.LoadConfig(file); err != nil {
			return nil, fmt.Errorf("--named-config %s: %w", name, err)
		}
	}
	if set.Gate, err = syncgate.New(ctx, opts); err != nil {
		return nil, err
	}
	return set, nil
}

// watched lists the files the Set is built from.
func (f *gateFlags) watched(configs map[string]string) []string {
	paths := append([]string{}, f.policies...)
	if f.config != "" {
		paths = append(paths, f.config)
	}
	if f.checks != nil {
		paths = append(paths, f.checks.crds...)
	}
	for _, file := range configs {
		paths = append(paths, file)
	}
	return paths
}
