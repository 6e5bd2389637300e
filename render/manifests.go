package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/gobwas/glob"

	"github.com/syncgate/syncgate/manifest"
)

// renderManifests reads every YAML or JSON file directly in the target's
// directory, in name order. Every bad file is reported, not just the first.
func (r *Renderer) renderManifests(fsys fs.FS, t Target) (*Result, error) {
	files, err := manifestFiles(fsys, t)
	if err != nil {
		return nil, err
	}
	res := &Result{Target: t}
	var errs []error
	for _, file := range files {
		data, err := readBounded(fsys, file, r.opts.Limits)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs, err := manifest.DecodeObjects(file, data, r.opts.Limits)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(objs) == 0 {
			continue
		}
		if len(res.YAML) > 0 {
			res.YAML = append(res.YAML, "---\n"...)
		}
		res.YAML = append(res.YAML, bytes.TrimPrefix(data, []byte("---\n"))...)
		if !bytes.HasSuffix(data, []byte("\n")) {
			res.YAML = append(res.YAML, '\n')
		}
		res.Objects = append(res.Objects, objs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return res, nil
}

// manifestFiles lists the files of a manifests target in path order: the
// YAML and JSON files of its directory, or, with Directory options, of its
// tree when Recurse is set, filtered by Include and Exclude as Argo CD
// does (globs on the path relative to the target, "*" crossing "/").
func manifestFiles(fsys fs.FS, t Target) ([]string, error) {
	d := t.Directory
	if d == nil {
		d = &DirectoryOptions{}
	}
	var include, exclude *glob.Pattern
	var err error
	if d.Include != "" {
		if include, err = glob.Compile(d.Include); err != nil {
			return nil, &manifest.SourceError{File: t.DefinedBy, Err: fmt.Errorf("directory.include %q: %w", d.Include, err)}
		}
	}
	if d.Exclude != "" {
		if exclude, err = glob.Compile(d.Exclude); err != nil {
			return nil, &manifest.SourceError{File: t.DefinedBy, Err: fmt.Errorf("directory.exclude %q: %w", d.Exclude, err)}
		}
	}
	var files []string
	err = fs.WalkDir(fsys, t.Path, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if p != t.Path && (!d.Recurse || strings.HasPrefix(e.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		// Symlinks are read, and refused when they leave the root.
		rel := strings.TrimPrefix(p, t.Path+"/")
		if !isManifestFile(e.Name()) || include != nil && !include.Match(rel) || exclude != nil && exclude.Match(rel) {
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, &manifest.SourceError{File: t.Path, Err: err}
	}
	return files, nil
}

// readBounded reads a file of the repository, refusing files over the size
// limit before reading them whole.
func readBounded(fsys fs.FS, file string, limits manifest.Limits) ([]byte, error) {
	max := limits.MaxFileBytes
	if max <= 0 {
		max = manifest.DefaultLimits().MaxFileBytes
	}
	info, err := fs.Stat(fsys, file)
	if err != nil {
		return nil, &manifest.SourceError{File: file, Err: err}
	}
	if !info.Mode().IsRegular() {
		return nil, &manifest.SourceError{File: file, Err: errors.New("not a regular file")}
	}
	if info.Size() > int64(max) {
		return nil, &manifest.SourceError{File: file, Err: fmt.Errorf("%w: file is %d bytes, the limit is %d", manifest.ErrLimit, info.Size(), max)}
	}
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &manifest.SourceError{File: file, Err: err}
	}
	return data, nil
}
