package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/syncgate/syncgate/manifest"
)

// archivePath is how findings name a cached chart's archive.
func (r *Renderer) archivePath(c *RemoteChart) string {
	return path.Join(filepath.ToSlash(r.opts.ChartCache), c.Archive)
}

// cachedChart loads a remote chart's archive from the chart cache, read
// within it (os.Root) and bounded, through the checks a repository's
// archived subcharts go through. Errors name the archive.
func (r *Renderer) cachedChart(l *chartLoader, c *RemoteChart) (*chart.Chart, error) {
	file := r.archivePath(c)
	if r.opts.ChartCache == "" {
		return nil, &manifest.SourceError{File: file, Err: errors.New("no chart cache is given to read it from")}
	}
	data, err := ReadCached(r.opts.ChartCache, c.Archive)
	if err != nil {
		return nil, &manifest.SourceError{File: file, Err: err}
	}
	if c.Digest != "" && ArchiveDigest(data) != c.Digest {
		return nil, &manifest.SourceError{File: file, Err: errors.New("the archive changed since the chart was resolved")}
	}
	if err := l.archives.check(file, data); err != nil {
		return nil, err
	}
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, &manifest.SourceError{File: file, Err: fmt.Errorf("not a chart archive: %w", err)}
	}
	return ch, nil
}

// ArchiveDigest is the digest a Helm repository index gives an archive:
// the hex SHA-256 of its bytes.
func ArchiveDigest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ReadCached reads a regular file of the chart cache dir, at most
// maxChartBytes of it; name must lie inside dir, which no symlink leaves.
func ReadCached(dir, name string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxChartBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxChartBytes {
		return nil, fmt.Errorf("%w: the file is larger than %d bytes", manifest.ErrLimit, maxChartBytes)
	}
	return data, nil
}
