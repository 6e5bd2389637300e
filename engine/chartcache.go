package engine

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"

	repov1 "helm.sh/helm/v4/pkg/repo/v1"

	"github.com/syncgate/syncgate/internal/memo"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// maxIndexBytes bounds an index file of the chart cache: the index of a
// large public repository is tens of megabytes.
const maxIndexBytes = 64 << 20

// chartCache resolves remote charts in a local Helm repository cache, the
// layout helm repo update and helm pull leave: <repo>-index.yaml index
// files, <chart>-<version>.tgz archives and, optionally, a
// repositories.yaml naming each repository's URL. It is never written,
// never fetched, and read once by all the discovery calls that share it
// (Options.ShareCharts); calls that first ask for the same index or
// archive at the same moment may each read it.
type chartCache struct {
	dir      string
	maxBytes int // bounds repositories.yaml, as the repository's files
	once     sync.Once
	names    map[string]string // repository name by URL, from repositories.yaml
	indexes  []string          // index file names, sorted
	err      error             // repositories.yaml or the directory listing
	loaded   memo.Map[string, parsedIndex]
	archives memo.Map[string, hashed]
}

// hashed is an archive's SHA-256 (hex), or why it was not read.
type hashed struct {
	digest string
	err    error
}

// parsedIndex is an index file as Helm's loader gives it, or why not.
type parsedIndex struct {
	idx *repov1.IndexFile
	err error
}

func newChartCache(dir string, limits manifest.Limits) *chartCache {
	return &chartCache{dir: dir, maxBytes: limits.WithDefaults().MaxFileBytes}
}

// resolved is what looking a chart up gives: the chart, or why the target
// is skipped (not in the cache) or invalid (a broken cache file).
type resolved struct {
	chart            *render.RemoteChart
	skipped, invalid string
}

func (c *chartCache) load() {
	c.once.Do(func() {
		c.names = map[string]string{}
		entries, err := os.ReadDir(c.dir)
		if err != nil {
			c.err = fmt.Errorf("chart cache %s: %w", c.dir, err)
			return
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), "-index.yaml") && e.Type().IsRegular() {
				c.indexes = append(c.indexes, e.Name())
			}
		}
		slices.Sort(c.indexes)
		c.err = c.readRepositories()
	})
}

// readRepositories reads the optional repositories.yaml within the
// limit the repository's files have.
func (c *chartCache) readRepositories() error {
	file := filepath.Join(c.dir, "repositories.yaml")
	if _, err := os.Stat(file); err != nil {
		return nil
	}
	if err := checkSize(file, c.maxBytes); err != nil {
		return err
	}
	repos, err := repov1.LoadFile(file)
	if err != nil {
		// Its own error may quote the file, which holds credentials.
		return fmt.Errorf("%s: not a Helm repositories file", file)
	}
	for _, r := range repos.Repositories {
		c.names[normalURL(r.URL)] = r.Name
	}
	return nil
}

// index loads one index file with Helm's loader, once.
func (c *chartCache) index(name string) (*repov1.IndexFile, error) {
	p := c.loaded.Get(name, func() parsedIndex {
		file := filepath.Join(c.dir, name)
		if err := checkSize(file, maxIndexBytes); err != nil {
			return parsedIndex{err: err}
		}
		// LoadIndexFile's errors name the file.
		idx, err := repov1.LoadIndexFile(file)
		return parsedIndex{idx: idx, err: err}
	})
	return p.idx, p.err
}

// checkSize refuses a file that is not regular or larger than limit.
func checkSize(file string, limit int) error {
	info, err := os.Lstat(file)
	switch {
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file", file)
	case info.Size() > int64(limit):
		return fmt.Errorf("%s: %w: larger than %d bytes", file, manifest.ErrLimit, limit)
	}
	return nil
}

// helm resolves chart name at version (a semver constraint; "" is the
// latest stable version) of the Helm repository at url, as helm pull
// does: in the index that repositories.yaml names for url, else in the
// first index (by file name) that lists the chart.
func (c *chartCache) helm(url, name, version string) resolved {
	pull := fmt.Sprintf("helm pull %s --repo %s -d %s", name, url, c.dir)
	if version != "" && version != "*" {
		pull += fmt.Sprintf(" --version '%s'", version)
	}
	if !safeName(name) {
		return resolved{invalid: fmt.Sprintf("chart name %q is not a file name", name)}
	}
	c.load()
	if c.err != nil {
		return resolved{invalid: c.err.Error()}
	}
	candidates := c.indexes
	if repoName, ok := c.names[normalURL(url)]; ok {
		candidates = []string{repoName + "-index.yaml"}
		if !slices.Contains(c.indexes, candidates[0]) {
			return resolved{skipped: fmt.Sprintf("chart %s from %s: the chart cache has no index of repository %s: run helm repo update %s, then %s", name, url, repoName, repoName, pull)}
		}
	}
	for _, file := range candidates {
		idx, err := c.index(file)
		if err != nil {
			return resolved{invalid: err.Error()}
		}
		if _, ok := idx.Entries[name]; !ok {
			continue
		}
		cv, err := idx.Get(name, version)
		if err != nil {
			return resolved{skipped: fmt.Sprintf("chart %s from %s: no version matching %q in %s: run helm repo update, then %s", name, url, version, file, pull)}
		}
		return c.archive(url, name, cv.Version, cv.Digest, pull)
	}
	return resolved{skipped: fmt.Sprintf("chart %s from %s: not in the chart cache %s: run %s", name, url, c.dir, pull)}
}

// oci resolves the chart of an OCI repository at url (oci://.../name) with
// an exact tag: its archive must be in the cache, as helm pull leaves it.
// Like helm, it takes the version as a tag only when it parses as a
// semantic version; anything else (1.x, >=1.0.0) is a range that helm
// resolves against the registry's tag list, which the cache does not hold.
func (c *chartCache) oci(url, name, tag string) resolved {
	pull := fmt.Sprintf("helm pull %s --version %s -d %s", url, tag, c.dir)
	switch {
	case !safeName(name):
		return resolved{invalid: fmt.Sprintf("chart name %q is not a file name", name)}
	case tag == "":
		return resolved{skipped: fmt.Sprintf("OCI chart %s: no tag given: only an exact tag is read from the chart cache", url)}
	case !safeName(tag) || !exactVersion(tag):
		return resolved{skipped: fmt.Sprintf("OCI chart %s: %q is not an exact tag: a version range needs the registry's tag list, and only an exact tag is read from the chart cache", url, tag)}
	}
	return c.archive(url, name, tag, "", pull)
}

// archive checks that the archive of a resolved version is in the cache
// and matches the index's digest, and records its own. Each archive is
// read and hashed once, however many targets render it: rendering reads
// it again, once, and refuses it unless it still has this digest.
func (c *chartCache) archive(url, name, version, digest, pull string) resolved {
	file := name + "-" + version + ".tgz"
	if !safeName(file) {
		return resolved{invalid: fmt.Sprintf("chart %s version %q is not a file name", name, version)}
	}
	h := c.archives.Get(file, func() hashed {
		data, err := render.ReadCached(c.dir, file)
		if err != nil {
			return hashed{err: err}
		}
		return hashed{digest: render.ArchiveDigest(data)}
	})
	if errors.Is(h.err, os.ErrNotExist) {
		return resolved{skipped: fmt.Sprintf("chart %s %s from %s: %s is not in the chart cache: run %s", name, version, url, file, pull)}
	}
	if h.err != nil {
		return resolved{invalid: fmt.Sprintf("%s: %v", filepath.Join(c.dir, file), h.err)}
	}
	if digest != "" && !strings.EqualFold(strings.TrimPrefix(digest, "sha256:"), h.digest) {
		return resolved{invalid: fmt.Sprintf("%s: does not match the digest its index gives: the archive is corrupt or another chart's", filepath.Join(c.dir, file))}
	}
	return resolved{chart: &render.RemoteChart{Repository: url, Name: name, Version: version, Archive: file, Digest: h.digest}}
}

// exactVersion reports whether v is one version rather than a range, by
// the test helm's OCI client applies before it lists a registry's tags.
func exactVersion(v string) bool {
	_, err := semver.NewVersion(v)
	return err == nil
}

// safeName reports whether s can name a file of the cache directory.
func safeName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`) && filepath.IsLocal(s)
}

// normalURL compares repository URLs without a trailing slash.
func normalURL(u string) string { return strings.TrimSuffix(strings.TrimSpace(u), "/") }

// noCache skips a remote chart's target, described by what, when there
// is no chart cache.
func (repo *repository) noCache(t *render.Target, what string) bool {
	if repo.opts.ChartCache != "" {
		return false
	}
	t.Kind, t.Skipped = render.KindHelm, what+": remote chart, not rendered offline (give --chart-cache to render it from a Helm chart cache)"
	return true
}

// repoChart sets a Helm target to render chart at version of the Helm
// repository at url, as each engine resolves a repository's chart: from
// an OCI registry (oci, as the engine tells one) the exact tag of
// <url>/<chart>, oci:// when url has no scheme; else by the repository's
// index, version a semver constraint, none the latest stable version.
func (repo *repository) repoChart(t *render.Target, url, chart, version string, oci bool) {
	if !oci {
		repo.remoteChart(t, url, chart, cmp.Or(version, "*"), false)
		return
	}
	if !strings.Contains(url, "://") {
		url = "oci://" + url
	}
	repo.remoteChart(t, strings.TrimSuffix(url, "/")+"/"+chart, chart, version, true)
}

// remoteChart sets a Helm target to render a remote chart from the cache,
// or skips it when there is no cache or the chart is not in it.
func (repo *repository) remoteChart(t *render.Target, url, name, version string, oci bool) {
	t.Kind, t.Path = render.KindHelm, ""
	if repo.noCache(t, fmt.Sprintf("chart %s from %s", name, url)) {
		return
	}
	var r resolved
	if oci {
		r = repo.opts.charts.oci(url, name, version)
	} else {
		r = repo.opts.charts.helm(url, name, version)
	}
	t.Chart, t.Skipped, t.Invalid = r.chart, r.skipped, r.invalid
}
