package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/syncgate/syncgate/manifest"
)

// renderManifests reads every YAML or JSON file directly in the target's
// directory, in name order. Every bad file is reported, not just the first.
func (r *Renderer) renderManifests(fsys fs.FS, t Target) (*Result, error) {
	entries, err := fs.ReadDir(fsys, t.Path)
	if err != nil {
		return nil, &manifest.SourceError{File: t.Path, Err: err}
	}
	res := &Result{Target: t}
	var errs []error
	for _, e := range entries {
		// Symlinks are read, and refused when they leave the root.
		if e.IsDir() || !isManifestFile(e.Name()) {
			continue
		}
		file := path.Join(t.Path, e.Name())
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
