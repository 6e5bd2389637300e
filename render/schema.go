package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/syncgate/syncgate/manifest"
)

// schemaURL is where a chart's values.schema.json sits for the schema
// compiler, as in Helm; relative $refs resolve against it.
const schemaURL = "file:///values.schema.json"

// schemaSource is where a values.schema.json is in the repository.
type schemaSource struct {
	file  string // repository path: the schema, or the archive holding it
	entry string // path inside the archive, or ""
}

// schemaFiles maps each values.schema.json of a chart, by content, to where
// it is. Helm's loaded charts keep no paths, and archived subcharts are
// expanded from Helm's own copy, so content is what ties a loaded schema to
// its file. Of identical schemas, the first seen names them all.
type schemaFiles map[[sha256.Size]byte]schemaSource

func (s schemaFiles) add(data []byte, src schemaSource) {
	key := sha256.Sum256(data)
	if _, ok := s[key]; !ok {
		s[key] = src
	}
}

// check validates values against the values.schema.json of the chart and
// of each subchart that rendered, as Helm does when it is not told to skip
// it. ch is the chart as Helm processed it, without disabled subcharts and
// with imported values; chartDir names the chart in errors should a schema
// not be found.
func (s schemaFiles) check(ch *chart.Chart, vals map[string]any, chartDir string) error {
	coalesced, err := util.CoalesceValues(ch, vals)
	if err != nil {
		return &manifest.SourceError{File: path.Join(chartDir, "Chart.yaml"), Err: err}
	}
	return s.validate(ch, coalesced, chartDir)
}

func (s schemaFiles) validate(ch *chart.Chart, vals map[string]any, chartDir string) error {
	var errs []error
	if ch.Schema != nil {
		if err := validateValues(ch, vals); err != nil {
			errs = append(errs, s.errorAt(ch.Schema, chartDir, fmt.Errorf("chart %q: %w", ch.Name(), err)))
		}
	}
	// Helm's loader leaves subcharts in map order.
	subs := slices.SortedFunc(slices.Values(ch.Dependencies()), func(a, b *chart.Chart) int {
		return strings.Compare(a.Name(), b.Name())
	})
	for _, sub := range subs {
		// CoalesceValues gave every subchart a map, or failed.
		if subVals, ok := vals[sub.Name()].(map[string]any); ok {
			errs = append(errs, s.validate(sub, subVals, chartDir))
		}
	}
	return errors.Join(errs...)
}

func (s schemaFiles) errorAt(schema []byte, chartDir string, err error) error {
	src, ok := s[sha256.Sum256(schema)]
	if !ok {
		return &manifest.SourceError{File: path.Join(chartDir, "Chart.yaml"), Err: fmt.Errorf("values.schema.json: %w", err)}
	}
	if src.entry != "" {
		err = fmt.Errorf("%s: %w", src.entry, err)
	}
	return &manifest.SourceError{File: src.file, Err: err}
}

// validateValues validates values against the chart's own schema, which
// may $ref only files of the chart.
func validateValues(ch *chart.Chart, vals map[string]any) error {
	doc, err := parseJSON(ch.Schema)
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(chartFileLoader{ch})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return err
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return fmt.Errorf("invalid schema: %w", err)
	}
	err = sch.Validate(vals)
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	sortCauses(verr)
	// The first line only names schemaURL.
	_, detail, _ := strings.Cut(verr.Error(), "\n")
	return fmt.Errorf("values do not match the schema:\n%s", detail)
}

// sortCauses orders validation errors, which the validator finds in map
// order.
func sortCauses(e *jsonschema.ValidationError) {
	for _, c := range e.Causes {
		sortCauses(c)
	}
	slices.SortFunc(e.Causes, func(a, b *jsonschema.ValidationError) int {
		return strings.Compare(a.Error(), b.Error())
	})
}

// parseJSON parses a schema document. Its errors give the offset but not
// the text, so that no file content reaches a message.
func parseJSON(data []byte) (any, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if syntax := (*json.SyntaxError)(nil); errors.As(err, &syntax) {
		return nil, fmt.Errorf("not valid JSON at byte %d", syntax.Offset)
	}
	if err != nil {
		return nil, errors.New("not valid JSON")
	}
	return doc, nil
}

// chartFileLoader serves $refs from the files of one chart as Helm loaded
// them, and refuses every other URL: Helm's own loader reads any local
// file and dials any http(s) URL.
type chartFileLoader struct {
	ch *chart.Chart
}

func (l chartFileLoader) Load(ref string) (any, error) {
	u, err := url.Parse(ref)
	if err == nil && u.Scheme == "file" && u.Host == "" {
		name := strings.TrimPrefix(u.Path, "/")
		if i := slices.IndexFunc(l.ch.Raw, func(f *common.File) bool { return f.Name == name }); i >= 0 {
			return parseJSON(l.ch.Raw[i].Data)
		}
	}
	return nil, fmt.Errorf("not a file of chart %q: a values.schema.json $ref may name only files inside its chart", l.ch.Name())
}
