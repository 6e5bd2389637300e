package main

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// skel holds the templates of the generated files, one per file, with
// [[ ]] delimiters so that Helm's {{ }} passes through untouched. A
// template that renders to nothing writes no file. The .tmpl suffix keeps
// syncgate from taking them for manifests or charts of this repository.
//
//go:embed all:skel
var skel embed.FS

// kv is one key and value; slices of kv keep the output order fixed.
type kv struct{ Key, Value string }

// resources are a container's requests and limits, in millicores and MiB.
type resources struct{ CPU, Memory, CPULimit, MemoryLimit int }

// violations are the policy files (without .rego) an app or chart breaks
// on purpose.
type violations []string

// Has is how templates plant a violation.
func (v violations) Has(rule string) bool { return slices.Contains(v, rule) }

// env is one environment of an app overlay or a chart values file.
type env struct {
	Name                               string
	Replicas, MinReplicas, MaxReplicas int
	Resources                          resources
	Tag, LogLevel, Host                string
	Properties                         []kv
}

// app is one Kustomize base with an overlay per environment.
type app struct {
	Name, Domain, Team, Role string
	Image, Tag               string
	Port, UID, Replicas      int
	Resources                resources
	// NameLabel is app.kubernetes.io/name, or "app" on an app that breaks
	// required-labels.
	NameLabel  string
	NamePrefix string
	JSONPatch  bool
	RBAC       bool
	// Secret is "", "stringData", "data", "sops" or "sealed"; SecretData
	// holds its values in that form.
	Secret     string
	SecretData []kv
	SOPS       sopsMetadata
	Config     []kv
	// Leaks are fake credentials in the app's ConfigMap, for secret scanners.
	Leaks []kv
	Envs  []env
	violations
}

// SecretFile is the base file holding the app's Secret, or "".
func (a *app) SecretFile() string {
	switch a.Secret {
	case "":
		return ""
	case "sops":
		return "secret.enc.yaml"
	case "sealed":
		return "sealedsecret.yaml"
	}
	return "secret.yaml"
}

// sopsMetadata is the sops: block of an encrypted file.
type sopsMetadata struct {
	Age          []ageStanza
	LastModified string
	MAC          string
}

type ageStanza struct {
	Recipient string
	Lines     []string
}

// chart is one Helm chart with a values file per environment.
type chart struct {
	Name, Description, Version, AppVersion string
	Image                                  string
	Port, UID, Replicas                    int
	Resources                              resources
	Config                                 []kv
	Leaks                                  []kv // fake credentials in values.yaml
	Envs                                   []env
	violations
}

// Env returns the chart's environment called name.
func (c *chart) Env(name string) env {
	for _, e := range c.Envs {
		if e.Name == name {
			return e
		}
	}
	panic("corpus: no environment " + name)
}

// planted is one deliberate finding, listed in the corpus README.
type planted struct{ Path, What string }

// corpus is everything the templates see.
type corpus struct {
	Config        config
	Apps          []*app
	Charts        []*chart
	AgeRecipients []string
	Planted       []planted
}

var (
	domains = []string{"accounts", "analytics", "auth", "billing", "cart", "catalog", "checkout",
		"fraud", "inventory", "invoices", "ledger", "loyalty", "media", "notifications", "orders",
		"payments", "pricing", "profile", "recommendations", "refunds", "reporting", "reviews",
		"search", "shipping", "subscriptions", "tax", "tickets", "warehouse"}
	roles      = []string{"api", "worker", "web", "gateway", "scheduler", "consumer", "sync", "exporter", "admin", "indexer"}
	teams      = []string{"commerce", "core", "data", "finance", "fulfilment", "growth", "identity", "platform"}
	chartHeads = []string{"audit", "cache", "config", "currency", "event", "geo", "image", "mail",
		"metrics", "pdf", "push", "queue", "rate", "session", "sms", "token", "trace", "webhook"}
	chartTails = []string{"collector", "limiter", "proxy", "relay", "renderer", "router", "sender", "service", "store"}
	ports      = []int{3000, 5000, 8000, 8080, 8081, 9000}
	cpus       = []int{50, 100, 150, 200, 250, 500}
	memories   = []int{64, 128, 192, 256, 384, 512}
	logLevels  = []string{"debug", "info", "warn"}
	envNames   = []string{"dev", "staging", "prod"}
)

// appRules and chartRules are the violations planted round-robin, one on
// every appEvery-th app and chartEvery-th chart, so that the default size
// plants each at least once; no-plaintext-secret comes from the plaintext
// Secrets and no-default-namespace from platform/.
var (
	appRules = []string{"no-latest-tag", "resource-limits", "run-as-non-root", "no-privileged",
		"read-only-root-fs", "required-labels", "no-host-namespaces", "probes-required",
		"prod-replicas", "no-nodeport", "ingress-tls", "allowed-registries", "pdb-min-available"}
	chartRules = []string{"no-latest-tag", "no-nodeport", "ingress-tls", "resource-limits"}
)

const appEvery, chartEvery = 7, 5

// Streams of the random generator: each app and chart draws from its own,
// so app i draws the same values whatever the number of apps or charts.
const (
	repoStream  = 0
	appStream   = 1
	chartStream = 1 << 32
)

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

const (
	upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	alnum    = upper + "abcdefghijklmnopqrstuvwxyz0123456789"
	bech32   = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	hexDigit = "0123456789abcdef"
)

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func randBase64(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// wrap splits s into lines of at most n characters, as PEM and age armor do.
func wrap(s string, n int) []string {
	var lines []string
	for len(s) > n {
		lines = append(lines, s[:n])
		s = s[n:]
	}
	return append(lines, s)
}

// unique returns name, or name-N when N-1 earlier names were the same.
func unique(taken map[string]int, name string) string {
	taken[name]++
	if n := taken[name]; n > 1 {
		return fmt.Sprintf("%s-%d", name, n)
	}
	return name
}

// newCorpus draws the whole model from cfg.
func newCorpus(cfg config) *corpus {
	c := &corpus{Config: cfg}
	r := newRand(cfg.Seed, repoStream)
	for range 2 {
		c.AgeRecipients = append(c.AgeRecipients, "age1"+randString(r, bech32, 58))
	}
	taken := map[string]int{}
	for i := range cfg.Apps * cfg.Scale {
		a := newApp(newRand(cfg.Seed, appStream+uint64(i)), c.AgeRecipients)
		a.Name = unique(taken, a.Name)
		c.planApp(a, i)
		c.Apps = append(c.Apps, a)
	}
	taken = map[string]int{}
	for i := range cfg.Charts * cfg.Scale {
		ch := newChart(newRand(cfg.Seed, chartStream+uint64(i)))
		ch.Name = unique(taken, ch.Name)
		c.planChart(ch, i)
		c.Charts = append(c.Charts, ch)
	}
	c.Planted = append(c.Planted, planted{"platform/legacy-settings.yaml", "no-default-namespace"})
	slices.SortStableFunc(c.Planted, func(a, b planted) int { return strings.Compare(a.Path, b.Path) })
	return c
}

func newApp(r *rand.Rand, recipients []string) *app {
	a := &app{
		Domain:    pick(r, domains),
		Role:      pick(r, roles),
		Team:      pick(r, teams),
		Tag:       fmt.Sprintf("1.%d.%d", r.IntN(30), r.IntN(10)),
		Port:      pick(r, ports),
		UID:       between(r, 1000, 65000),
		Replicas:  between(r, 1, 3),
		Resources: newResources(r, 1),
		NameLabel: "app.kubernetes.io/name",
		JSONPatch: r.IntN(10) < 4,
		RBAC:      r.IntN(2) == 0,
	}
	a.Name = a.Domain + "-" + a.Role
	a.Image = "registry.example.com/" + a.Team + "/" + a.Name
	if r.IntN(4) == 0 {
		a.Image = "ghcr.io/example-org/" + a.Name
	}
	if r.IntN(4) == 0 {
		a.NamePrefix = a.Team + "-"
	}
	a.Config = []kv{
		{"HTTP_PORT", strconv.Itoa(a.Port)},
		{"METRICS_ENABLED", strconv.FormatBool(r.IntN(3) > 0)},
		{"CACHE_TTL_SECONDS", strconv.Itoa(30 * between(r, 1, 20))},
		{"UPSTREAM_URL", fmt.Sprintf("http://%s-api:80", pick(r, domains))},
	}
	switch n := r.IntN(20); {
	case n == 0:
		a.Secret = "stringData"
	case n == 1:
		a.Secret = "data"
	case n < 5:
		a.Secret = "sops"
	case n < 8:
		a.Secret = "sealed"
	}
	if a.Secret != "" {
		for _, key := range []string{"DATABASE_PASSWORD", "API_KEY"}[:between(r, 1, 2)] {
			a.SecretData = append(a.SecretData, kv{key, secretValue(r, a.Secret)})
		}
	}
	if a.Secret == "sops" {
		a.SOPS = newSOPS(r, recipients)
	}
	if r.IntN(12) == 0 {
		a.Leaks = []kv{fakeCredential(r)}
	}
	for _, name := range envNames {
		e := env{
			Name:      name,
			Replicas:  between(r, 1, 2),
			Resources: newResources(r, 1),
			Tag:       "main-" + randString(r, hexDigit, 7),
			LogLevel:  "debug",
			Host:      a.Name + "." + name + ".example.com",
		}
		switch name {
		case "staging":
			e.Replicas, e.Tag, e.LogLevel = 2, a.Tag+"-rc."+strconv.Itoa(between(r, 1, 5)), "info"
		case "prod":
			e.Replicas, e.Resources, e.Tag, e.LogLevel = between(r, 3, 6), newResources(r, 2), a.Tag, "warn"
			e.Host = a.Name + ".example.com"
		}
		e.MinReplicas, e.MaxReplicas = e.Replicas, e.Replicas*between(r, 2, 4)
		e.Properties = []kv{
			{"server.port", strconv.Itoa(a.Port)},
			{"db.pool.size", strconv.Itoa(between(r, 4, 32))},
			{"cache.ttl", strconv.Itoa(between(r, 10, 600)) + "s"},
			{"feature." + pick(r, []string{"new-checkout", "fast-search", "dark-mode", "async-export"}), strconv.FormatBool(r.IntN(2) == 0)},
		}
		a.Envs = append(a.Envs, e)
	}
	return a
}

// planApp plants the app's share of violations and lists its secrets.
func (c *corpus) planApp(a *app, i int) {
	base := "apps/" + a.Name + "/base/"
	if i%appEvery == appEvery-1 {
		rule := appRules[(i/appEvery)%len(appRules)]
		a.violations = violations{rule}
		switch rule {
		case "required-labels":
			a.NameLabel = "app"
		case "allowed-registries":
			a.Image = "docker.io/" + a.Team + "/" + a.Name
		case "no-latest-tag":
			a.Envs[0].Tag = "latest"
		case "prod-replicas":
			a.Envs[2].Replicas, a.Envs[2].MinReplicas = 1, 1
		}
		c.Planted = append(c.Planted, planted{"apps/" + a.Name + "/", rule})
	}
	switch a.Secret {
	case "stringData", "data":
		c.Planted = append(c.Planted, planted{base + a.SecretFile(), "no-plaintext-secret"})
	case "sops", "sealed":
		c.Planted = append(c.Planted, planted{base + a.SecretFile(), "encrypted " + a.Secret + " secret (not a finding)"})
	}
	for _, l := range a.Leaks {
		c.Planted = append(c.Planted, planted{base + "configmap.yaml", "fake credential " + l.Key})
	}
}

func newChart(r *rand.Rand) *chart {
	head, tail := pick(r, chartHeads), pick(r, chartTails)
	ch := &chart{
		Name:        head + "-" + tail,
		Description: fmt.Sprintf("The %s %s of the platform team", head, tail),
		Version:     fmt.Sprintf("0.%d.%d", r.IntN(20), r.IntN(10)),
		AppVersion:  fmt.Sprintf("%d.%d.%d", between(r, 1, 4), r.IntN(20), r.IntN(10)),
		Port:        pick(r, ports),
		UID:         between(r, 1000, 65000),
		Replicas:    between(r, 1, 2),
		Resources:   newResources(r, 1),
	}
	ch.Image = "registry.example.com/platform/" + ch.Name
	ch.Config = []kv{
		{"LOG_FORMAT", pick(r, []string{"json", "logfmt"})},
		{"MAX_CONNECTIONS", strconv.Itoa(64 * between(r, 1, 16))},
		{"SHUTDOWN_GRACE", strconv.Itoa(between(r, 5, 30)) + "s"},
	}
	if r.IntN(6) == 0 {
		ch.Leaks = []kv{fakeCredential(r)}
	}
	for _, name := range envNames {
		e := env{
			Name:      name,
			Replicas:  1,
			Resources: newResources(r, 1),
			Tag:       ch.AppVersion,
			LogLevel:  pick(r, logLevels),
			Host:      ch.Name + "." + name + ".example.com",
		}
		if name == "prod" {
			e.Replicas, e.Resources, e.Host = between(r, 2, 4), newResources(r, 2), ch.Name+".example.com"
		}
		e.MinReplicas, e.MaxReplicas = e.Replicas, e.Replicas*between(r, 2, 5)
		ch.Envs = append(ch.Envs, e)
	}
	return ch
}

// planChart plants the chart's share of violations and lists its leaks.
func (c *corpus) planChart(ch *chart, i int) {
	dir := "charts/" + ch.Name + "/"
	if i%chartEvery == chartEvery-1 {
		rule := chartRules[(i/chartEvery)%len(chartRules)]
		ch.violations = violations{rule}
		if rule == "no-latest-tag" {
			ch.Envs[0].Tag = "latest"
		}
		c.Planted = append(c.Planted, planted{dir, rule})
	}
	for _, l := range ch.Leaks {
		c.Planted = append(c.Planted, planted{dir + "values.yaml", "fake credential " + l.Key})
	}
}

// newResources draws requests and limits, times factor.
func newResources(r *rand.Rand, factor int) resources {
	cpu, mem := pick(r, cpus)*factor, pick(r, memories)*factor
	return resources{CPU: cpu, Memory: mem, CPULimit: 2 * cpu, MemoryLimit: mem * between(r, 1, 2)}
}

// secretValue is a fake secret value in the form the Secret kind stores it.
func secretValue(r *rand.Rand, kind string) string {
	plain := "fake-" + randString(r, alnum, between(r, 12, 24))
	switch kind {
	case "data":
		return base64.StdEncoding.EncodeToString([]byte(plain))
	case "sops":
		return sopsValue(r, len(plain))
	case "sealed":
		return "Ag" + randBase64(r, between(r, 280, 360))
	}
	return plain
}

// sopsValue has the shape of a value SOPS encrypted with AES-256-GCM.
func sopsValue(r *rand.Rand, n int) string {
	return fmt.Sprintf("ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:str]", randBase64(r, n), randBase64(r, 32), randBase64(r, 16))
}

func newSOPS(r *rand.Rand, recipients []string) sopsMetadata {
	m := sopsMetadata{
		LastModified: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(365*24*3600)) * time.Second).Format(time.RFC3339),
		MAC:          sopsValue(r, 64),
	}
	for _, rcp := range recipients {
		armor := wrap(randBase64(r, 240), 64)
		lines := append([]string{"-----BEGIN AGE ENCRYPTED FILE-----"}, armor...)
		m.Age = append(m.Age, ageStanza{rcp, append(lines, "-----END AGE ENCRYPTED FILE-----")})
	}
	return m
}

// fakeCredential is a random value in the shape secret scanners look for:
// an AWS access key, a GitHub token or a private key. It is never real.
func fakeCredential(r *rand.Rand) kv {
	switch r.IntN(3) {
	case 0:
		return kv{"AWS_ACCESS_KEY_ID", "AKIA" + randString(r, upper+"234567", 16)}
	case 1:
		return kv{"GITHUB_TOKEN", "ghp_" + randString(r, alnum, 36)}
	}
	body := wrap(randBase64(r, 600), 64)
	pem := append([]string{"-----BEGIN RSA PRIVATE KEY-----"}, body...)
	return kv{"SIGNING_KEY", strings.Join(append(pem, "-----END RSA PRIVATE KEY-----"), "\n")}
}

var funcs = template.FuncMap{
	// scalar writes s as a YAML value: quoted, or a literal block indented
	// by n spaces when s has several lines.
	"scalar": func(n int, s string) string {
		if !strings.Contains(s, "\n") {
			return strconv.Quote(s)
		}
		pad := strings.Repeat(" ", n)
		return "|\n" + pad + strings.ReplaceAll(s, "\n", "\n"+pad)
	},
	"mul": func(a, b int) int { return a * b },
}

// skeleton is the templates under one directory of skel, each named by its
// output path relative to that directory.
type skeleton []*template.Template

func loadSkeleton(root string) (skeleton, error) {
	var s skeleton
	err := fs.WalkDir(skel, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := skel.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")
		t, err := template.New(name).Delims("[[", "]]").Funcs(funcs).Option("missingkey=error").Parse(string(data))
		if err != nil {
			return err
		}
		s = append(s, t)
		return nil
	})
	return s, err
}

type stats struct {
	files int
	bytes int64
}

// writer writes rendered skeletons under root and counts what it wrote.
type writer struct {
	root string
	stats
}

func (w *writer) render(s skeleton, dir string, data any) error {
	for _, t := range s {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		if len(bytes.TrimSpace(b.Bytes())) == 0 {
			continue
		}
		file := filepath.Join(w.root, dir, t.Name())
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			return err
		}
		w.files++
		w.bytes += int64(b.Len())
	}
	return nil
}

// generate writes the corpus for cfg into dir, which should be empty.
func generate(dir string, cfg config) (stats, error) {
	sk := map[string]skeleton{}
	for _, name := range []string{"repo", "base", "overlay", "chart"} {
		s, err := loadSkeleton("skel/" + name)
		if err != nil {
			return stats{}, err
		}
		sk[name] = s
	}
	c := newCorpus(cfg)
	w := &writer{root: dir}
	if err := w.render(sk["repo"], ".", c); err != nil {
		return stats{}, err
	}
	for _, a := range c.Apps {
		if err := w.render(sk["base"], "apps/"+a.Name+"/base", a); err != nil {
			return stats{}, err
		}
		for _, e := range a.Envs {
			data := struct {
				*app
				Env env
			}{a, e}
			if err := w.render(sk["overlay"], "apps/"+a.Name+"/overlays/"+e.Name, data); err != nil {
				return stats{}, err
			}
		}
	}
	for _, ch := range c.Charts {
		if err := w.render(sk["chart"], "charts/"+ch.Name, ch); err != nil {
			return stats{}, err
		}
	}
	return w.stats, nil
}
