package syncgate

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// ConfigFileName is the configuration file looked for at the repository root.
const ConfigFileName = ".syncgate.yaml"

// Config is the repository's .syncgate.yaml.
type Config struct {
	// KubernetesVersion is the version templates and checks assume.
	KubernetesVersion string `yaml:"kubernetesVersion"`
	// RepoURL is the URL Argo CD and Flux clone this repository from:
	// their objects whose source has this URL define targets.
	RepoURL string `yaml:"repoURL"`
	// ArgoCDClusters is a file of the repository holding Argo CD cluster
	// Secrets: the clusters an ApplicationSet's clusters generator lists.
	ArgoCDClusters string `yaml:"argocdClusters"`
	// Targets are declared explicitly; each replaces any discovered target
	// with the same path.
	Targets []TargetConfig `yaml:"targets"`
	// Severity overrides the severity of rules, by rule ID.
	Severity map[string]manifest.Severity `yaml:"severity"`
	// Exceptions waive findings; each needs a reason and may expire.
	Exceptions []Exception `yaml:"exceptions"`
	// StageConfig adds the repository's own policies, CRDs, schema
	// locations and secrets settings to the Gate's.
	StageConfig `yaml:",inline"`
	// Admission configures syncgate serve's admission webhook; only a
	// trusted configuration (serve --config) is read for it.
	Admission AdmissionConfig `yaml:"admission"`

	file          string         // where the configuration was read, for findings about it
	severityLines map[string]int // the line of each Severity key
}

// AdmissionConfig configures the admission webhook of syncgate serve.
type AdmissionConfig struct {
	// ExcludedNamespaces are namespaces whose objects are admitted without
	// a check, replacing serve's --exclude-namespace (kube-system by
	// default); an empty list excludes none. Unset keeps the flag's.
	ExcludedNamespaces []string `yaml:"excludedNamespaces"`
}

// TargetConfig declares one target in .syncgate.yaml.
type TargetConfig struct {
	// Name defaults to Path.
	Name string `yaml:"name"`
	// Path is the target's directory, relative to the repository root.
	Path string `yaml:"path"`
	// Type is kustomize, helm or manifests.
	Type string `yaml:"type"`
	// ValuesFiles are Helm values files relative to the repository root.
	ValuesFiles []string `yaml:"valuesFiles"`
	// Set holds Helm values in --set syntax.
	Set []string `yaml:"set"`
	// ReleaseName and Namespace are the Helm release's.
	ReleaseName string `yaml:"releaseName"`
	Namespace   string `yaml:"namespace"`
	// KubernetesVersion overrides the configuration's KubernetesVersion
	// for this target.
	KubernetesVersion string `yaml:"kubernetesVersion"`
}

// LoadConfig reads a configuration file from disk.
func LoadConfig(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseConfig(file, data)
}

// ParseConfig parses a configuration file. Unknown keys are errors that
// name the line, so a typo never silently disables a setting.
func ParseConfig(file string, data []byte) (*Config, error) {
	if _, err := manifest.Decode(file, data, manifest.Limits{}); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, &manifest.SourceError{File: file, Line: yamlErrorLine(err), Err: err}
	}
	c.file = file
	if err := c.checkExceptions(file, data); err != nil {
		return nil, err
	}
	if err := c.StageConfig.check(); err != nil {
		return nil, &manifest.SourceError{File: file, Err: err}
	}
	for _, rule := range slices.Sorted(maps.Keys(c.Severity)) {
		line := c.severityLines[rule]
		if _, err := manifest.ParseSeverity(string(c.Severity[rule])); err != nil {
			return nil, &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("severity of %s: %w", rule, err)}
		}
		if err := checkRulePattern(rule, false); err != nil {
			return nil, &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("severity: %w", err)}
		}
	}
	for i, t := range c.Targets {
		if t.Path == "" {
			return nil, &manifest.SourceError{File: file, Err: fmt.Errorf("targets[%d]: path is required", i)}
		}
		switch render.Kind(t.Type) {
		case render.KindKustomize, render.KindHelm, render.KindManifests:
		default:
			return nil, &manifest.SourceError{File: file, Err: fmt.Errorf("targets[%d] (%s): type %q: want kustomize, helm or manifests", i, t.Path, t.Type)}
		}
	}
	return &c, nil
}

// checkExceptions validates each exception and records the lines of the
// exceptions and severity overrides.
func (c *Config) checkExceptions(file string, data []byte) error {
	var lines struct {
		Exceptions []yaml.Node `yaml:"exceptions"`
		Severity   yaml.Node   `yaml:"severity"`
	}
	if err := yaml.Unmarshal(data, &lines); err != nil {
		return &manifest.SourceError{File: file, Line: yamlErrorLine(err), Err: err}
	}
	c.severityLines = map[string]int{}
	for i := 0; i+1 < len(lines.Severity.Content); i += 2 {
		c.severityLines[lines.Severity.Content[i].Value] = lines.Severity.Content[i].Line
	}
	for i := range c.Exceptions {
		e := &c.Exceptions[i]
		if i < len(lines.Exceptions) {
			e.line = lines.Exceptions[i].Line
		}
		if err := e.check(); err != nil {
			return &manifest.SourceError{File: file, Line: e.line, Err: err}
		}
	}
	return nil
}

// checkRulePattern accepts a rule ID, or with prefix set a prefix ending
// in "/*" ("schema/*"). A bare "*" would waive every rule, the checks that
// could not run among them.
func checkRulePattern(rule string, prefix bool) error {
	head, wildcard := strings.CutSuffix(rule, "/*")
	switch {
	case rule == "":
		return errors.New("rule is required")
	case strings.Contains(head, "*") || !wildcard && strings.Contains(rule, "*"):
		return fmt.Errorf("rule %q: a wildcard may only end a rule prefix, as in schema/*", rule)
	case wildcard && !prefix:
		return fmt.Errorf("rule %q: name one rule, without a wildcard", rule)
	case wildcard && head == "":
		return fmt.Errorf("rule %q: name a rule family before /*, as in schema/*", rule)
	}
	return nil
}

// location names a line of the configuration: "file:line".
func (c *Config) location(line int) string { return fmt.Sprintf("%s:%d", c.name(), line) }

// name is where the configuration was read.
func (c *Config) name() string { return cmp.Or(c.file, ConfigFileName) }

func yamlErrorLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		var line int
		if _, scanErr := fmt.Sscanf(te.Errors[0], "line %d:", &line); scanErr == nil {
			return line
		}
	}
	return 0
}

func (t TargetConfig) target() render.Target {
	name := t.Name
	if name == "" {
		name = t.Path
	}
	return render.Target{
		Name:              name,
		Kind:              render.Kind(t.Type),
		Path:              t.Path,
		ValuesFiles:       t.ValuesFiles,
		Set:               t.Set,
		ReleaseName:       t.ReleaseName,
		Namespace:         t.Namespace,
		KubernetesVersion: t.KubernetesVersion,
	}
}
