package render

import (
	"cmp"
	"fmt"
	"io/fs"
	"strings"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/syncgate/syncgate/manifest"
)

// defaultValuesKey is the data key a valuesFrom reference reads when it
// names none, as helm-controller defaults it.
const defaultValuesKey = "values.yaml"

// valuesFrom layers a HelmRelease's valuesFrom references in order, as
// helm-controller does: a key's content merged as a values document, or,
// with targetPath, set at that path (quoted values as strings). A missing
// object or key fails unless the reference is optional. The values read
// from Secrets, which errors must not show, are recorded in read.
func (r *Renderer) valuesFrom(fsys fs.FS, t Target, read *reads) (map[string]any, error) {
	file, line := t.DefinedAt()
	values := map[string]any{}
	for i, ref := range t.ValuesFrom {
		key := cmp.Or(ref.ValuesKey, defaultValuesKey)
		where := fmt.Sprintf("valuesFrom[%d] %s/%s", i, ref.Kind, ref.Name)
		if ref.File == "" {
			if ref.Optional {
				continue
			}
			return nil, &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("%s: no such object in the repository, and it is not optional", where)}
		}
		obj, err := r.objectAt(fsys, ref.File, ref.Line)
		if err != nil {
			return nil, err
		}
		data, err := r.objectData(obj, ref.Kind, ref.Name, ref.File, ref.Line, read)
		if err != nil {
			return nil, err
		}
		value, ok := data[key]
		switch {
		case !ok && ref.Optional:
			continue
		case !ok:
			return nil, &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("%s: no key %q, and the reference is not optional", where, key)}
		}
		if ref.TargetPath != "" {
			if err := setPath(values, ref.TargetPath, value); err != nil {
				return nil, &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("%s: targetPath %q: %v", where, ref.TargetPath, read.secrets.Redact(err.Error()))}
			}
			continue
		}
		docs, err := manifest.Decode(ref.File, []byte(value), r.opts.Limits)
		if err != nil {
			return nil, &manifest.SourceError{File: ref.File, Line: ref.Line, Err: fmt.Errorf("%s: key %q is not a values document", where, key)}
		}
		if len(docs) == 0 {
			continue
		}
		m, ok := docs[0].Value.(map[string]any)
		if !ok {
			return nil, &manifest.SourceError{File: ref.File, Line: ref.Line, Err: fmt.Errorf("%s: key %q is not a values mapping", where, key)}
		}
		if ref.Kind == "Secret" {
			read.secretAll(m)
		}
		values = loader.MergeMaps(values, m)
	}
	return values, nil
}

// setPath sets one value at a --set path as helm-controller's targetPath
// does: a value in single or double quotes is set as a string, without
// the quotes; any other is typed as --set types it.
func setPath(values map[string]any, path, value string) error {
	quoted := func(q string) bool { return strings.HasPrefix(value, q) && strings.HasSuffix(value, q) }
	if quoted(`"`) || quoted("'") {
		return strvals.ParseIntoString(path+"="+strings.Trim(value, `"'`), values)
	}
	return strvals.ParseInto(path+"="+value, values)
}
