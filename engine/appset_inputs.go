package engine

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"

	"github.com/syncgate/syncgate/manifest"
)

// maxTreeEntries bounds the repository walk of the git generators.
const maxTreeEntries = 200000

// tree lists the repository's directories and files, hidden ones left
// out, as the git generators see a checkout.
type tree struct {
	dirs, files []string
}

// files walks the repository once for every git generator.
func (repo *repository) files() (*tree, error) {
	if repo.tree != nil {
		return repo.tree, nil
	}
	tr := &tree{}
	err := fs.WalkDir(repo.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if len(tr.dirs)+len(tr.files) >= maxTreeEntries {
			return fmt.Errorf("%w: the repository has more than %d files and directories", manifest.ErrLimit, maxTreeEntries)
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			tr.dirs = append(tr.dirs, p)
		} else if d.Type().IsRegular() {
			tr.files = append(tr.files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	repo.tree = tr
	return tr, nil
}

// paramFile reads a git files generator's file: a YAML or JSON object, or
// a list of them; an empty list is one empty parameter set.
func (repo *repository) paramFile(file string) ([]map[string]any, error) {
	data, err := readFile(repo.fsys, file, repo.opts.Limits)
	if err != nil {
		return nil, err
	}
	docs, err := manifest.Decode(file, data, repo.opts.Limits)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return []map[string]any{{}}, nil
	}
	switch v := docs[0].Value.(type) {
	case map[string]any:
		return []map[string]any{v}, nil
	case []any:
		if len(v) == 0 {
			return []map[string]any{{}}, nil
		}
		out := make([]map[string]any, 0, len(v))
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, &manifest.SourceError{File: file, Line: docs[0].Line, Err: errors.New("a list item is not a mapping")}
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, &manifest.SourceError{File: file, Line: docs[0].Line, Err: errors.New("not a mapping or a list of mappings")}
}

// readFile reads a file of the repository within the size limit.
func readFile(fsys fs.FS, file string, limits manifest.Limits) ([]byte, error) {
	info, err := fs.Stat(fsys, file)
	if err != nil {
		return nil, err
	}
	if info.Size() > int64(limits.MaxFileBytes) {
		return nil, &manifest.SourceError{File: file, Err: fmt.Errorf("%w: file is %d bytes, the limit is %d", manifest.ErrLimit, info.Size(), limits.MaxFileBytes)}
	}
	return fs.ReadFile(fsys, file)
}

// inCluster is the cluster Argo CD runs in, which the clusters generator
// lists without a Secret.
const inCluster = "https://kubernetes.default.svc"

// cluster is one Argo CD cluster, from a cluster Secret.
type cluster struct {
	name, server, project string
	labels, annotations   map[string]string
}

// readClusters reads Options.Clusters once: the Argo CD cluster Secrets
// (label argocd.argoproj.io/secret-type: cluster) it holds, and the
// in-cluster cluster unless a Secret names its server.
func (repo *repository) readClusters() ([]cluster, error) {
	if repo.clustersRead {
		return repo.clusters, repo.clustersErr
	}
	repo.clustersRead = true
	repo.clusters, repo.clustersErr = repo.loadClusters()
	return repo.clusters, repo.clustersErr
}

func (repo *repository) loadClusters() ([]cluster, error) {
	file := repo.opts.Clusters
	data, err := readFile(repo.fsys, file, repo.opts.Limits)
	if err != nil {
		return nil, fmt.Errorf("clusters file: %w", err)
	}
	docs, err := manifest.Decode(file, data, repo.opts.Limits)
	if err != nil {
		return nil, fmt.Errorf("clusters file: %w", err)
	}
	var out []cluster
	local := true
	for _, d := range docs {
		o := object{m: mapOf(d.Value), file: file, line: d.Line}
		md := mapOf(o.m["metadata"])
		lbls := stringMap(md["labels"])
		if o.kind() != "Secret" || lbls["argocd.argoproj.io/secret-type"] != "cluster" {
			continue
		}
		fields := stringMap(o.m["stringData"])
		if fields == nil {
			fields = map[string]string{}
		}
		for k, v := range stringMap(o.m["data"]) {
			decoded, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, &manifest.SourceError{File: file, Line: d.Line, Err: fmt.Errorf("Secret %s: data.%s is not base64", o.name(), k)}
			}
			fields[k] = string(decoded)
		}
		c := cluster{name: fields["name"], server: strings.TrimSuffix(fields["server"], "/"), project: fields["project"], labels: lbls, annotations: stringMap(md["annotations"])}
		if c.server == inCluster {
			local = false
		}
		out = append(out, c)
	}
	if local {
		out = append(out, cluster{name: "in-cluster", server: inCluster})
	}
	slices.SortFunc(out, func(a, b cluster) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// clusters is the clusters generator over the clusters file: the clusters
// whose Secret's labels the selector matches (the in-cluster cluster,
// which has no Secret, only with no selector).
func (s *appSet) clusters(g map[string]any) ([]map[string]any, error) {
	if s.repo.opts.Clusters == "" {
		return nil, skipError("the clusters generator needs the list of clusters: set argocdClusters to a file of Argo CD cluster Secrets")
	}
	all, err := s.repo.readClusters()
	if err != nil {
		return nil, err
	}
	sel := mapOf(g["selector"])
	var out []map[string]any
	for _, c := range all {
		secret := c.server != inCluster || c.labels != nil
		if !secret && len(sel) > 0 {
			continue
		}
		if secret && len(sel) > 0 {
			matched, err := s.selectParams(sel, []map[string]any{stringsToAny(c.labels)})
			if err != nil {
				return nil, err
			}
			if len(matched) == 0 {
				continue
			}
		}
		params := map[string]any{"name": c.name, "nameNormalized": c.name, "server": c.server, "project": c.project}
		if secret {
			params["nameNormalized"] = sanitizeName(c.name)
			if s.goTemplate {
				meta := map[string]any{}
				if len(c.annotations) > 0 {
					meta["annotations"] = stringsToAny(c.annotations)
				}
				if len(c.labels) > 0 {
					meta["labels"] = stringsToAny(c.labels)
				}
				params["metadata"] = meta
			} else {
				for k, v := range c.annotations {
					params["metadata.annotations."+k] = v
				}
				for k, v := range c.labels {
					params["metadata.labels."+k] = v
				}
			}
		}
		if err := s.values(stringMap(g["values"]), params); err != nil {
			return nil, err
		}
		out = append(out, params)
	}
	return out, nil
}

func stringsToAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// templateFuncs are the functions of goTemplate: Sprig's generic ones but
// env, expandenv and getHostByName, which read the controller's
// environment and network, and Argo CD's normalize, toYaml, fromYaml and
// fromYamlArray. slugify is not provided.
var templateFuncs = sync.OnceValue(func() template.FuncMap {
	funcs := sprig.GenericFuncMap()
	for _, name := range []string{"env", "expandenv", "getHostByName"} {
		delete(funcs, name)
	}
	funcs["normalize"] = sanitizeName
	funcs["toYaml"] = func(v any) (string, error) {
		data, err := yaml.Marshal(v)
		return strings.TrimSuffix(string(data), "\n"), err
	}
	funcs["fromYaml"] = func(s string) (map[string]any, error) {
		var m map[string]any
		err := yaml.Unmarshal([]byte(s), &m)
		return m, err
	}
	funcs["fromYamlArray"] = func(s string) ([]any, error) {
		var a []any
		err := yaml.Unmarshal([]byte(s), &a)
		return a, err
	}
	return maps.Clone(template.FuncMap(funcs))
})
