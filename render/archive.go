package render

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// Helm's loader expands archived subcharts (charts/*.tgz) recursively and
// gives each archive a fresh decompression budget, so a small chart can
// expand to gigabytes. These limits hold for all the archives of one
// top-level chart together.
const (
	// maxArchiveEntries bounds the tar entries of a chart's archives,
	// nested ones included.
	maxArchiveEntries = 10000
	// maxArchiveDepth bounds how deep archives nest in archives.
	maxArchiveDepth = 5
)

// errArchiveBytes is the shared decompression budget running out. The
// budget is maxChartBytes, as for the chart's plain files.
var errArchiveBytes = fmt.Errorf("%w: the chart's archives decompress to more than %d bytes", manifest.ErrLimit, maxChartBytes)

// archiveCheck checks the archived subcharts of one top-level chart before
// any Helm loader sees them. Its budgets are shared by every archive of the
// chart, at every depth.
type archiveCheck struct {
	entries int   // tar entries left
	bytes   int64 // decompressed bytes left; negative once exceeded
	// schemas records the values.schema.json files met inside archives,
	// since Helm expands archives from its own copy.
	schemas schemaFiles
}

func newArchiveCheck(schemas schemaFiles) *archiveCheck {
	return &archiveCheck{entries: maxArchiveEntries, bytes: maxChartBytes, schemas: schemas}
}

// check reads the archive at file, a repository path, through every
// archive nested in it.
func (c *archiveCheck) check(file string, data []byte) error {
	err := c.walk(file, "", bytes.NewReader(data), 1)
	if c.bytes < 0 {
		// gzip or tar may report the cut-off stream in their own words.
		err = errArchiveBytes
	}
	if err != nil {
		return &manifest.SourceError{File: file, Err: err}
	}
	return nil
}

// walk reads one gzipped tar stream to its end. at is the stream's path
// inside the top-level archive, or "" for that archive itself.
func (c *archiveCheck) walk(file, at string, r io.Reader, depth int) error {
	return tarEntries(r, at, &c.entries, &c.bytes, func(hdr *tar.Header, body io.Reader) error {
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		entry, name := at+hdr.Name, chartName(hdr)
		switch {
		case isSubchartArchive(name):
			if depth == maxArchiveDepth {
				return fmt.Errorf("%w: entry %q: archives nest deeper than %d", manifest.ErrLimit, entry, maxArchiveDepth)
			}
			return c.walk(file, entry+"/", body, depth+1)
		case chartPath(name) == "values.schema.json":
			data, err := io.ReadAll(body)
			if err != nil {
				return err
			}
			c.schemas.add(bytes.TrimPrefix(data, utf8BOM), schemaSource{file: file, entry: entry})
		}
		return nil
	})
}

// tarEntries reads one gzipped tar stream to its end through the checks
// every archive goes through, and gives visit each entry that passes,
// with its body: every entry, directories too, is charged to the
// entries left, what gzip yields to the bytes left (negative once
// exceeded), and only files and directories whose names stay inside the
// archive pass. at is the stream's path inside the archive that holds
// it, for errors.
func tarEntries(r io.Reader, at string, entries *int, left *int64, visit func(hdr *tar.Header, body io.Reader) error) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	// Counting what gzip yields, not what tar returns, bounds the bytes
	// tar skips over as well.
	tr := tar.NewReader(budgetReader{r: gz, left: left})
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if *entries--; *entries < 0 {
			return fmt.Errorf("%w: the archives hold more than %d entries", manifest.ErrLimit, maxArchiveEntries)
		}
		if err := checkEntry(hdr); err != nil {
			return fmt.Errorf("entry %q: %w", at+hdr.Name, err)
		}
		if err := visit(hdr, tr); err != nil {
			return err
		}
	}
}

var (
	utf8BOM   = []byte("\xEF\xBB\xBF")
	drivePath = regexp.MustCompile(`^[A-Za-z]:`)
	// entryKinds names the entry types refused, for errors.
	entryKinds = map[byte]string{
		tar.TypeSymlink: "a symlink",
		tar.TypeLink:    "a hard link",
		tar.TypeChar:    "a character device",
		tar.TypeBlock:   "a block device",
		tar.TypeFifo:    "a FIFO",
	}
)

// checkEntry refuses entries that are not plain files or directories, or
// whose names escape the archive.
func checkEntry(hdr *tar.Header) error {
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeDir, tar.TypeXGlobalHeader:
	default:
		kind, ok := entryKinds[hdr.Typeflag]
		if !ok {
			kind = fmt.Sprintf("of type %q", hdr.Typeflag)
		}
		return fmt.Errorf("is %s: only files and directories are allowed", kind)
	}
	slashed := strings.ReplaceAll(hdr.Name, `\`, "/")
	if strings.HasPrefix(slashed, "/") || drivePath.MatchString(slashed) {
		return errors.New("name is absolute")
	}
	if slices.Contains(strings.Split(slashed, "/"), "..") {
		return errors.New(`name has a ".." segment`)
	}
	return nil
}

// chartName is an entry's name in its chart as Helm's loader computes
// it: the first segment (the chart's directory) dropped, backslashes
// taken as the separator if there are any.
func chartName(hdr *tar.Header) string {
	sep := "/"
	if strings.Contains(hdr.Name, `\`) {
		sep = `\`
	}
	_, name, _ := strings.Cut(hdr.Name, sep)
	return path.Clean(strings.ReplaceAll(name, sep, "/"))
}

// isSubchartArchive reports whether Helm's loader expands a chart file as
// an archived subchart: charts/<name>.tgz of the chart or of a subchart.
func isSubchartArchive(name string) bool {
	dir, file := path.Split(chartPath(name))
	return dir == "charts/" && strings.HasSuffix(file, ".tgz")
}

// budgetReader counts the bytes read against a budget that nested streams
// share, and fails once the budget is exceeded.
type budgetReader struct {
	r    io.Reader
	left *int64
}

func (b budgetReader) Read(p []byte) (int, error) {
	if *b.left < 0 {
		return 0, errArchiveBytes
	}
	// One byte past the budget tells a stream that ends exactly at the
	// budget from one that goes on.
	p = p[:min(int64(len(p)), *b.left+1)]
	n, err := b.r.Read(p)
	*b.left -= int64(n)
	if *b.left < 0 {
		return n, errArchiveBytes
	}
	return n, err
}
