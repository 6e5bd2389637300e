package validate

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// ReadCRDs decodes the files of paths, for Options.CRDs: each path a file,
// or a directory whose .yaml, .yml and .json files are read, recursively.
// Paths are inside fsys, such as a repository; nil fsys means the local
// disk. Every file is decoded within limits.
func ReadCRDs(fsys fs.FS, paths []string, limits manifest.Limits) ([]*manifest.Object, error) {
	var objects []*manifest.Object
	for _, p := range paths {
		dir, name, join := filepath.Dir(p), filepath.Base(p), filepath.Join
		root := fsys
		if fsys == nil {
			root = os.DirFS(dir)
		} else {
			dir, name, join = ".", path.Clean(filepath.ToSlash(p)), path.Join
		}
		err := fs.WalkDir(root, name, func(file string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(path.Ext(file))
			if d.IsDir() || (file != name && ext != ".yaml" && ext != ".yml" && ext != ".json") {
				return nil
			}
			data, err := fs.ReadFile(root, file)
			if err != nil {
				return err
			}
			objs, err := manifest.DecodeObjects(join(dir, file), data, limits)
			objects = append(objects, objs...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return objects, nil
}
