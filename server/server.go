package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/syncgate/syncgate/manifest"
)

// Options configure a Server. Start from DefaultOptions.
type Options struct {
	// Load builds the Set the server decides with. Required.
	Load Loader
	// Watch are the files and directories Load reads: when their contents
	// change, the Set is rebuilt.
	Watch []string
	// ReloadInterval is how often Watch is polled.
	ReloadInterval time.Duration
	// Addr is where Run listens for the API: TLS when CertFile is set.
	Addr string
	// MetricsAddr is where Run serves /metrics over plain HTTP; "" serves
	// it on Addr.
	MetricsAddr string
	// CertFile and KeyFile are the TLS certificate and key, read again
	// when they change, as cert-manager rotates them.
	CertFile, KeyFile string
	// MaxBody is the largest request body accepted; larger gets 413.
	MaxBody int64
	// Limits bound the decoding of request bodies.
	Limits manifest.Limits
	// RequestTimeout bounds one check; keep it below the webhook's
	// timeoutSeconds so that the server, not the apiserver, answers.
	RequestTimeout time.Duration
	// MaxInflight caps the requests checked at once.
	MaxInflight int
	// QueueWait is how long a request past MaxInflight waits for a slot.
	QueueWait time.Duration
	// FailOpen allows an admission review that found no slot, instead of
	// denying it.
	FailOpen bool
	// ExcludedNamespaces are allowed without a check, unless the Set
	// names its own (Set.ExcludedNamespaces).
	ExcludedNamespaces []string
	// ReadHeaderTimeout, ReadTimeout and IdleTimeout bound slow clients.
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for requests in flight
	// when its context ends.
	ShutdownTimeout time.Duration
	// Profiling serves the Go profiles (net/http/pprof) under
	// /debug/pprof/ beside /metrics, for finding what limits a loaded
	// server. Off by default: a profile shows the code, not the data.
	Profiling bool
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// DecisionLog receives one record per answered review or check: uid,
	// kind, namespace, name, verdict, rule IDs and duration, never a
	// value. Nil discards them.
	DecisionLog *slog.Logger
}

// DefaultOptions are the defaults of syncgate serve.
func DefaultOptions() Options {
	return Options{
		ReloadInterval:     5 * time.Second,
		Addr:               ":8443",
		MetricsAddr:        ":9090",
		MaxBody:            8 << 20,
		RequestTimeout:     8 * time.Second,
		MaxInflight:        64,
		QueueWait:          time.Second,
		ExcludedNamespaces: []string{"kube-system"},
		ReadHeaderTimeout:  5 * time.Second,
		ReadTimeout:        10 * time.Second,
		IdleTimeout:        2 * time.Minute,
		ShutdownTimeout:    15 * time.Second,
	}
}

// Server answers admission reviews and check requests.
type Server struct {
	opts    Options
	log     *slog.Logger
	decided *slog.Logger
	metrics *metrics
	kinds   kinds
	current atomic.Pointer[live]
	slots   chan struct{}
}

// New validates opts and returns a Server with no Set loaded yet: Run
// loads it, or call Load first when serving through Handler.
func New(opts Options) (*Server, error) {
	if opts.Load == nil {
		return nil, errors.New("server: Options.Load is required")
	}
	if opts.MaxBody <= 0 || opts.MaxInflight <= 0 || opts.RequestTimeout <= 0 || opts.QueueWait < 0 || opts.ReloadInterval <= 0 {
		return nil, errors.New("server: MaxBody, MaxInflight, RequestTimeout and ReloadInterval must be positive, QueueWait not negative")
	}
	discard := slog.New(slog.DiscardHandler)
	s := &Server{
		opts:    opts,
		log:     cmpLogger(opts.Logger, discard),
		decided: cmpLogger(opts.DecisionLog, discard),
		metrics: newMetrics(),
		slots:   make(chan struct{}, opts.MaxInflight),
	}
	return s, nil
}

func cmpLogger(l, fallback *slog.Logger) *slog.Logger {
	if l == nil {
		return fallback
	}
	return l
}

// Load builds the first Set; the server is ready once it returns nil.
func (s *Server) Load(ctx context.Context) error { return s.reload(ctx) }

// Handler serves the API, the probes and /metrics.
func (s *Server) Handler() http.Handler {
	mux := s.apiMux()
	s.handleMetrics(mux)
	return mux
}

// MetricsHandler serves /metrics alone, and the profiles when
// Options.Profiling is set.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	s.handleMetrics(mux)
	return mux
}

func (s *Server) handleMetrics(mux *http.ServeMux) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	if s.opts.Profiling {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
}

func (s *Server) apiMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/admission", s.admission)
	mux.HandleFunc("POST /v1/check", s.check)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.current.Load() == nil {
			http.Error(w, "policies not compiled yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// Run listens on Options.Addr (and MetricsAddr), loads the Set, watches
// its files and serves until ctx ends, then finishes the requests in
// flight within ShutdownTimeout.
func (s *Server) Run(ctx context.Context) error {
	var lc net.ListenConfig
	api, err := lc.Listen(ctx, "tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	var metricsLn net.Listener
	if s.opts.MetricsAddr != "" {
		if metricsLn, err = lc.Listen(ctx, "tcp", s.opts.MetricsAddr); err != nil {
			api.Close()
			return fmt.Errorf("server: %w", err)
		}
	}
	return s.Serve(ctx, api, metricsLn)
}

// Serve is Run on listeners the caller opened: api for the API (TLS when
// Options.CertFile is set), metrics for /metrics over plain HTTP, or nil
// to serve /metrics on api. It closes both.
func (s *Server) Serve(ctx context.Context, api, metrics net.Listener) error {
	handler := s.Handler()
	if metrics != nil {
		handler = s.apiMux()
	}
	servers := []*http.Server{s.httpServer(handler)}
	listeners := []net.Listener{api}
	if s.opts.CertFile != "" {
		certs, err := newCertFiles(s.opts.CertFile, s.opts.KeyFile, s.log)
		if err != nil {
			api.Close()
			if metrics != nil {
				metrics.Close()
			}
			return fmt.Errorf("server: %w", err)
		}
		listeners[0] = tls.NewListener(api, &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: certs.get,
			NextProtos:     []string{"h2", "http/1.1"},
		})
	}
	if metrics != nil {
		servers = append(servers, s.httpServer(s.MetricsHandler()))
		listeners = append(listeners, metrics)
	}
	errs := make(chan error, len(servers)+1)
	for i, srv := range servers {
		go func() { errs <- srv.Serve(listeners[i]) }()
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		// The fingerprint is taken before the build, so that a change
		// made while it compiles is seen at the next poll.
		sum, err := fingerprint(s.opts.Watch)
		if err == nil {
			err = s.reload(watchCtx)
		}
		if err != nil {
			errs <- fmt.Errorf("server: %w", err)
			return
		}
		s.log.Info("policies compiled: ready")
		s.watch(watchCtx, sum)
	}()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errs:
	}
	// No set is built or swapped in once the watcher has returned.
	stopWatch()
	<-watching
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutdownCtx); err != nil && serveErr == nil {
			serveErr = fmt.Errorf("server: shutdown: %w", err)
		}
	}
	if l := s.current.Swap(nil); l != nil {
		serveErr = errors.Join(serveErr, l.retire())
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		return nil
	}
	return serveErr
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		// A check may take RequestTimeout; the answer needs a little more.
		WriteTimeout: s.opts.RequestTimeout + s.opts.QueueWait + 5*time.Second,
		IdleTimeout:  s.opts.IdleTimeout,
		ErrorLog:     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// excluded reports whether the reviews of a namespace are admitted
// without a check: by the set's configuration, or else Options.
func (s *Server) excluded(set *Set, namespace string) bool {
	names := s.opts.ExcludedNamespaces
	if set.ExcludedNamespaces != nil {
		names = set.ExcludedNamespaces
	}
	return namespace != "" && slices.Contains(names, namespace)
}
