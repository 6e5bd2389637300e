package render

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/ignore"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
)

// maxChartBytes bounds the files of one chart directory read into memory.
const maxChartBytes = 100 << 20

// maxChartDepth bounds the nesting of file:// dependencies.
const maxChartDepth = 10

// helmRender is one in-process "helm template" run. Empty release name,
// namespace and kube version take helm template's defaults (the kube
// version from Options first).
type helmRender struct {
	chartDir string // repository-relative; the archive's path for a cached chart
	// archive, when set, is the chart cache's archive to render instead
	// of chartDir.
	archive *RemoteChart
	// inline values are layered first, then valuesFiles, then values,
	// then set.
	inline      map[string]any
	valuesFiles []string
	values      map[string]any
	set         []string
	setString   []string
	setFiles    []string // key=file, the file relative to the repository root
	// secrets are values read from Secrets, masked in every error.
	secrets     []string
	releaseName string
	namespace   string
	kubeVersion string
	apiVersions []string
	includeCRDs bool
	skipHooks   bool
	skipTests   bool
}

// renderHelm renders the chart of t from tree, the repository or an
// artifact made from it; the valuesFrom objects are in repo.
func (r *Renderer) renderHelm(ctx context.Context, tree, repo fs.FS, t Target) (*Result, error) {
	values := t.Values
	var read reads
	if len(t.ValuesFrom) > 0 {
		from, err := r.valuesFrom(repo, t, &read)
		if err != nil {
			return nil, err
		}
		values = loader.MergeMaps(from, t.Values)
	}
	chartDir := t.Path
	if t.Chart != nil {
		chartDir = r.archivePath(t.Chart)
	}
	out, err := r.helmTemplate(ctx, tree, helmRender{
		chartDir:    chartDir,
		archive:     t.Chart,
		valuesFiles: t.ValuesFiles,
		values:      values,
		set:         t.Set,
		setString:   t.SetString,
		setFiles:    t.SetFiles,
		secrets:     read.values,
		releaseName: t.ReleaseName,
		namespace:   t.Namespace,
		kubeVersion: t.KubernetesVersion,
		apiVersions: r.opts.APIVersions,
		includeCRDs: !t.SkipCRDs, // Argo CD and Flux apply a chart's crds/
	})
	if err != nil {
		return nil, err
	}
	objs, err := decodeHelmOutput(chartDir, out, r.opts.Limits)
	if err != nil {
		return nil, err
	}
	return read.result(&Result{Target: t, YAML: out, Objects: objs}), nil
}

// helmTemplate renders a chart as helm template does and returns the same
// bytes it prints.
func (r *Renderer) helmTemplate(ctx context.Context, fsys fs.FS, h helmRender) ([]byte, error) {
	l := newChartLoader(fsys, r.opts.Limits)
	var ch *chart.Chart
	var err error
	if h.archive != nil {
		ch, err = r.cachedChart(l, h.archive)
	} else {
		ch, err = l.load(h.chartDir, 0)
	}
	if err != nil {
		return nil, err
	}
	if _, err := templateExpansion(h.chartDir, ch); err != nil {
		return nil, err
	}
	vals, err := r.helmValues(fsys, h)
	if err != nil {
		return nil, err
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(r.opts.Logger.Handler()))
	install := action.NewInstall(cfg)
	install.DryRunStrategy = action.DryRunClient
	install.ReleaseName = cmp.Or(h.releaseName, DefaultReleaseName)
	install.Namespace = cmp.Or(h.namespace, DefaultNamespace)
	install.Replace = true
	install.IncludeCRDs = h.includeCRDs
	install.DisableHooks = h.skipHooks
	install.APIVersions = common.VersionSet(h.apiVersions)
	// Helm's schema validation reads any local file and dials any URL a
	// $ref names; l.schemas.check validates instead.
	install.SkipSchemaValidation = true
	if kubeVersion := cmp.Or(h.kubeVersion, r.opts.KubernetesVersion); kubeVersion != "" {
		kv, err := common.ParseKubeVersion(kubeVersion)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid kube version %q: %w", h.chartDir, kubeVersion, err)
		}
		install.KubeVersion = kv
	}
	rel, err := install.RunWithContext(ctx, ch, vals)
	// Helm validates after processing the chart's dependencies and before
	// rendering, so the schemas are checked on the chart as processed, and
	// win over a template error. A nil release means Helm stopped earlier.
	if rel != nil {
		if err := l.schemas.check(ch, vals, h.chartDir); err != nil {
			return nil, redactError(err, secretValues(ch, vals, h.secrets))
		}
	}
	if err != nil {
		return nil, redactError(helmError(h.chartDir, ch.Name(), err), secretValues(ch, vals, h.secrets))
	}
	return helmManifest(rel.(*release.Release), h), nil
}

// secretValues collects the values under secret-sounding keys (password,
// token and the like) of a chart, its subcharts and the values given, and
// the values read from Secrets.
func secretValues(ch *chart.Chart, vals map[string]any, secrets []string) *redact.Set {
	var s redact.Set
	s.AddSensitive(vals)
	for _, v := range secrets {
		s.Add(v)
	}
	var add func(*chart.Chart)
	add = func(c *chart.Chart) {
		s.AddSensitive(c.Values)
		for _, dep := range c.Dependencies() {
			add(dep)
		}
	}
	add(ch)
	return &s
}

// redactError masks secret values in a Helm error: fail, required and
// schema messages quote whatever values the chart hands them.
func redactError(err error, secrets *redact.Set) error {
	sources := manifest.SourceErrors(err)
	if len(sources) == 0 {
		return errors.New(secrets.Redact(err.Error()))
	}
	errs := make([]error, len(sources))
	for i, se := range sources {
		errs[i] = &manifest.SourceError{File: se.File, Line: se.Line, Err: errors.New(secrets.Redact(se.Err.Error()))}
	}
	return errors.Join(errs...)
}

// helmManifest writes the release as helm template prints it: the manifest,
// then each hook under its "# Source:" line.
func helmManifest(rel *release.Release, h helmRender) []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, strings.TrimSpace(rel.Manifest))
	if h.skipHooks {
		return b.Bytes()
	}
	for _, hook := range rel.Hooks {
		if h.skipTests && slices.Contains(hook.Events, release.HookTest) {
			continue
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", hook.Path, hook.Manifest)
	}
	return b.Bytes()
}

// helmValues layers the values files and --set values on top of the
// chart's own values.yaml, with Helm's merge rules.
func (r *Renderer) helmValues(fsys fs.FS, h helmRender) (map[string]any, error) {
	vals := loader.MergeMaps(map[string]any{}, h.inline)
	for _, file := range h.valuesFiles {
		m, err := r.readValues(fsys, file)
		if err != nil {
			return nil, err
		}
		vals = loader.MergeMaps(vals, m)
	}
	vals = loader.MergeMaps(vals, h.values)
	for _, s := range h.set {
		if err := strvals.ParseInto(s, vals); err != nil {
			return nil, fmt.Errorf("%s: set %q: %w", h.chartDir, s, err)
		}
	}
	for _, s := range h.setString {
		if err := strvals.ParseIntoString(s, vals); err != nil {
			return nil, fmt.Errorf("%s: set-string %q: %w", h.chartDir, s, err)
		}
	}
	for _, s := range h.setFiles {
		read := func(file []rune) (any, error) {
			data, err := readBounded(fsys, path.Clean(string(file)), r.opts.Limits)
			return string(data), err
		}
		if err := strvals.ParseIntoFile(s, vals, read); err != nil {
			return nil, fmt.Errorf("%s: set-file %q: %w", h.chartDir, s, err)
		}
	}
	return vals, nil
}

// readValues reads one Helm values file; an empty file is no values.
func (r *Renderer) readValues(fsys fs.FS, file string) (map[string]any, error) {
	data, err := readBounded(fsys, file, r.opts.Limits)
	if err != nil {
		return nil, err
	}
	docs, err := manifest.Decode(file, data, r.opts.Limits)
	if err != nil || len(docs) == 0 {
		return map[string]any{}, err
	}
	m, ok := docs[0].Value.(map[string]any)
	if !ok {
		return nil, &manifest.SourceError{File: file, Line: docs[0].Line, Err: errors.New("values file is not a mapping")}
	}
	return m, nil
}

// chartLoader loads one top-level chart with its subcharts and file://
// dependencies, which share its archive budgets.
type chartLoader struct {
	fsys     fs.FS
	limits   manifest.Limits
	archives *archiveCheck
	schemas  schemaFiles
}

func newChartLoader(fsys fs.FS, limits manifest.Limits) *chartLoader {
	schemas := schemaFiles{}
	return &chartLoader{fsys: fsys, limits: limits, archives: newArchiveCheck(schemas), schemas: schemas}
}

// load loads a chart directory, honouring .helmignore as helm does, and
// attaches file:// dependencies that are not vendored.
func (l *chartLoader) load(dir string, depth int) (*chart.Chart, error) {
	if depth > maxChartDepth {
		return nil, &manifest.SourceError{File: path.Join(dir, "Chart.yaml"), Err: fmt.Errorf("%w: file:// dependencies nest deeper than %d", manifest.ErrLimit, maxChartDepth)}
	}
	files, err := l.files(dir)
	if err != nil {
		return nil, err
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, &manifest.SourceError{File: path.Join(dir, "Chart.yaml"), Err: err}
	}
	if err := l.attachLocalDependencies(dir, ch, depth); err != nil {
		return nil, err
	}
	return ch, nil
}

// files reads the files of a chart directory, checking archived subcharts
// before Helm's loader expands them.
func (l *chartLoader) files(dir string) ([]*archive.BufferedFile, error) {
	rules := ignore.Empty()
	if data, err := fs.ReadFile(l.fsys, path.Join(dir, ignore.HelmIgnore)); err == nil {
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, &manifest.SourceError{File: path.Join(dir, ignore.HelmIgnore), Err: err}
		}
	}
	rules.AddDefaults()
	var files []*archive.BufferedFile
	total := 0
	err := fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		name := strings.TrimPrefix(p, dir+"/")
		info, err := fs.Stat(l.fsys, p) // follows symlinks, but only inside the root
		if err != nil {
			return &manifest.SourceError{File: p, Err: err}
		}
		if info.IsDir() {
			if rules.Ignore(name, info) {
				return fs.SkipDir
			}
			return nil
		}
		if rules.Ignore(name, info) {
			return nil
		}
		if !info.Mode().IsRegular() {
			return &manifest.SourceError{File: p, Err: errors.New("not a regular file")}
		}
		total += int(info.Size())
		if total > maxChartBytes {
			return &manifest.SourceError{File: p, Err: fmt.Errorf("%w: chart files exceed %d bytes", manifest.ErrLimit, maxChartBytes)}
		}
		data, err := readBounded(l.fsys, p, l.limits)
		if err != nil {
			return err
		}
		switch {
		case isChartYAML(name):
			if _, err := manifest.Decode(p, data, l.limits); err != nil {
				return err
			}
		case isSubchartArchive(name):
			if err := l.archives.check(p, data); err != nil {
				return err
			}
		}
		data = bytes.TrimPrefix(data, utf8BOM)
		if chartPath(name) == "values.schema.json" {
			l.schemas.add(data, schemaSource{file: p})
		}
		files = append(files, &archive.BufferedFile{Name: name, ModTime: info.ModTime(), Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// isChartYAML reports whether a chart file is plain YAML (or JSON) that
// Helm parses, as opposed to a template or a file the chart only carries:
// Chart.yaml, Chart.lock, values.yaml, values.schema.json and
// requirements.yaml at the top of a chart, and the chart's crds/, of the
// chart or of a subchart.
func isChartYAML(name string) bool {
	switch name := chartPath(name); name {
	case "Chart.yaml", "Chart.lock", "values.yaml", "values.schema.json", "requirements.yaml":
		return true
	default:
		return strings.HasPrefix(name, "crds/")
	}
}

// chartPath returns a chart file's name in the chart or subchart that
// holds it, stripping the charts/<name>/ segments of subcharts.
func chartPath(name string) string {
	for {
		rest, ok := strings.CutPrefix(name, "charts/")
		if !ok {
			break
		}
		_, inner, ok := strings.Cut(rest, "/")
		if !ok {
			break
		}
		name = inner
	}
	return name
}

func (l *chartLoader) attachLocalDependencies(dir string, ch *chart.Chart, depth int) error {
	if ch.Metadata == nil {
		return nil
	}
	var errs []error
	for _, dep := range ch.Metadata.Dependencies {
		if slices.ContainsFunc(ch.Dependencies(), func(c *chart.Chart) bool { return c.Name() == dep.Name }) {
			continue
		}
		chartFile := path.Join(dir, "Chart.yaml")
		local, ok := strings.CutPrefix(dep.Repository, "file://")
		if !ok {
			errs = append(errs, &manifest.SourceError{File: chartFile, Err: fmt.Errorf(
				"chart %q: dependency %q (repository %q) is not vendored in charts/: run helm dependency build and commit charts/, or point it at a file:// path in the repository",
				ch.Name(), dep.Name, dep.Repository)})
			continue
		}
		depDir := path.Join(dir, local)
		if !fs.ValidPath(depDir) {
			errs = append(errs, &manifest.SourceError{File: chartFile, Err: fmt.Errorf("chart %q: dependency %q: %q is outside the repository root", ch.Name(), dep.Name, dep.Repository)})
			continue
		}
		sub, err := l.load(depDir, depth+1)
		if err != nil {
			errs = append(errs, fmt.Errorf("chart %q: dependency %q: %w", ch.Name(), dep.Name, err))
			continue
		}
		ch.AddDependency(sub)
	}
	return errors.Join(errs...)
}

var (
	templateLine = regexp.MustCompile(`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.@-]+)+):(\d+)`)
	templateFile = regexp.MustCompile(`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.@-]+)+\.(?:yaml|yml|tpl|txt|json))`)
)

// helmError ties a Helm error to the chart file it names, so the finding
// points at the template and line.
func helmError(dir, chartName string, err error) error {
	if len(manifest.SourceErrors(err)) > 0 {
		return err
	}
	msg := err.Error()
	file, line := "", 0
	if m := templateLine.FindStringSubmatch(msg); m != nil && strings.HasPrefix(m[1], chartName+"/") {
		file = m[1]
		line, _ = strconv.Atoi(m[2])
	} else if m := templateFile.FindStringSubmatch(msg); m != nil && strings.HasPrefix(m[1], chartName+"/") {
		file = m[1]
	}
	if file == "" {
		return &manifest.SourceError{File: path.Join(dir, "Chart.yaml"), Err: err}
	}
	return &manifest.SourceError{File: chartFile(dir, chartName, file), Line: line, Err: err}
}

// decodeHelmOutput decodes helm template output, taking each object's file
// from the "# Source:" line above it.
func decodeHelmOutput(chartDir string, out []byte, limits manifest.Limits) ([]*manifest.Object, error) {
	sources := helmSources(out)
	sourceAt := func(line int) string {
		file := ""
		for _, s := range sources {
			if s.line > line {
				break
			}
			file = s.file
		}
		if file == "" {
			return path.Join(chartDir, "Chart.yaml")
		}
		_, rest, _ := strings.Cut(file, "/")
		return path.Join(chartDir, rest)
	}
	objs, err := manifest.DecodeObjects(chartDir, out, limits)
	if err != nil {
		for _, se := range manifest.SourceErrors(err) {
			se.File, se.Line = sourceAt(se.Line), 0
		}
		return nil, err
	}
	for _, obj := range objs {
		// Templates change as they render: no source line is exact.
		obj.Origin = manifest.Origin{File: sourceAt(obj.Origin.Line)}
	}
	return objs, nil
}

type sourceLine struct {
	line int
	file string
}

func helmSources(out []byte) []sourceLine {
	var sources []sourceLine
	for i, line := range strings.Split(string(out), "\n") {
		if file, ok := strings.CutPrefix(line, "# Source: "); ok {
			sources = append(sources, sourceLine{line: i + 1, file: file})
		}
	}
	return sources
}
