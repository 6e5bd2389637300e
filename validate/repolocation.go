package validate

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"text/template"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/yannh/kubeconform/pkg/loader"
)

// repoScheme names schemas read from a repository's file system, so that
// their $refs resolve inside it too, never on the disk around it.
const repoScheme = "repo"

// maxSchemaBytes bounds one schema file read from a repository.
const maxSchemaBytes = 16 << 20

// repoRegistry serves a kubeconform schema location from a repository's
// file system: a directory in kubeconform's layout, or a template.
type repoRegistry struct {
	fsys fs.FS
	tmpl *template.Template
}

// kubeconformLayout is the path under a location directory that
// kubeconform assumes when the location is not a template of a .json file.
const kubeconformLayout = "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"

func newRepoRegistry(fsys fs.FS, loc string) (*repoRegistry, error) {
	if fsys == nil {
		return nil, errors.New("a repository location needs the repository's file system")
	}
	if !strings.HasSuffix(loc, "json") {
		loc = strings.TrimSuffix(loc, "/") + kubeconformLayout
	}
	tmpl, err := template.New("location").Option("missingkey=error").Parse(loc)
	if err != nil {
		return nil, err
	}
	return &repoRegistry{fsys: fsys, tmpl: tmpl}, nil
}

// DownloadSchema reads the schema of a kind, as kubeconform's local
// registry does, but only inside the repository.
func (r *repoRegistry) DownloadSchema(kind, apiVersion, k8sVersion string) (string, any, error) {
	group, version, found := strings.Cut(apiVersion, "/")
	if !found {
		group, version = "", apiVersion
	}
	suffix := "-" + strings.ToLower(strings.Split(cmp.Or(group, version), ".")[0])
	if found {
		suffix += "-" + strings.ToLower(version)
	}
	var b strings.Builder
	err := r.tmpl.Execute(&b, map[string]string{
		"NormalizedKubernetesVersion": "v" + k8sVersion,
		"StrictSuffix":                "-strict",
		"ResourceKind":                strings.ToLower(kind),
		"ResourceAPIVersion":          version,
		"Group":                       cmp.Or(group, version),
		"KindSuffix":                  suffix,
	})
	if err != nil {
		return "", nil, err
	}
	p := path.Clean(b.String())
	u := repoScheme + ":///" + p
	doc, err := repoLoader{r.fsys}.Load(u)
	return u, doc, err
}

// repoLoader loads repo:/// URLs from a repository's file system.
type repoLoader struct{ fsys fs.FS }

func (l repoLoader) Load(u string) (any, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(path.Clean(parsed.Path), "/")
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("%s: not a path inside the repository", u)
	}
	info, err := fs.Stat(l.fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, loader.NewNotFoundError(fmt.Errorf("no schema at %s", name))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if info.Size() > maxSchemaBytes {
		return nil, fmt.Errorf("%s: schema is %d bytes, the limit is %d", name, info.Size(), maxSchemaBytes)
	}
	data, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}
