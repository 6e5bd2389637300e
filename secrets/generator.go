package secrets

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/syncgate/syncgate/manifest"
)

// secretGenerators reports the secretGenerator entries of a kustomization
// that put plaintext into Git: literals, and files or env files that are
// not SOPS-encrypted (Flux decrypts those before it builds). A finding is
// placed where the rendered Secret's origin points, the entry's line, with
// the data key it generates, so that Merge can pair it with the rendered
// object's finding.
func (s *Scanner) secretGenerators(fsys fs.FS, file string, data []byte) []manifest.Finding {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return nil
	}
	gens := mappingLookup(root.Content[0], "secretGenerator")
	if gens == nil || gens.Kind != yaml.SequenceNode {
		return nil
	}
	dir := path.Dir(file)
	var findings []manifest.Finding
	for _, entry := range gens.Content {
		if entry.Kind != yaml.MappingNode {
			continue
		}
		name := ""
		if n := mappingLookup(entry, "name"); n != nil {
			name = n.Value
		}
		// Each finding is on the line that holds the value: the literal,
		// the file entry, or the key's line in the env file.
		report := func(where string, line int, key, msg string) {
			findings = append(findings, fileFinding(where, line, RulePlaintextSecret, joinKey("data", key),
				fmt.Sprintf("secretGenerator %s %s", name, msg)))
		}
		for _, lit := range scalars(mappingLookup(entry, "literals")) {
			key, value, _ := strings.Cut(lit.Value, "=")
			if value = strings.Trim(value, `"'`); value != "" && !isPlaceholder(value, false) {
				report(file, lit.Line, key, fmt.Sprintf("has a plaintext literal for %s%s", key, hint(value)))
			}
		}
		for _, f := range scalars(mappingLookup(entry, "files")) {
			key, src, found := strings.Cut(f.Value, "=")
			if !found {
				key, src = path.Base(f.Value), f.Value
			}
			if plain, ok := s.plainFile(fsys, path.Join(dir, src)); ok && plain {
				report(file, f.Line, key, fmt.Sprintf("reads %s for %s, a file committed in plain text", src, key))
			}
		}
		envs := scalars(mappingLookup(entry, "envs"))
		if env := mappingLookup(entry, "env"); env != nil && env.Kind == yaml.ScalarNode {
			envs = append(envs, env)
		}
		for _, env := range envs {
			envFile := path.Join(dir, env.Value)
			content, err := readBounded(fsys, envFile, int64(s.opts.Limits.MaxFileBytes))
			if err != nil || isSOPSText(content) {
				continue
			}
			for _, kv := range envPairs(content) {
				if kv.value != "" && !isPlaceholder(kv.value, false) {
					report(envFile, kv.line, kv.key, fmt.Sprintf("reads %s, which holds a plaintext value for %s%s", env.Value, kv.key, hint(kv.value)))
				}
			}
		}
	}
	return findings
}

// plainFile reports whether a generator's source file holds plain text
// (not SOPS-encrypted, not empty); ok is false when it cannot be read.
func (s *Scanner) plainFile(fsys fs.FS, name string) (plain, ok bool) {
	content, err := readBounded(fsys, name, int64(s.opts.Limits.MaxFileBytes))
	if err != nil {
		return false, false
	}
	return len(bytes.TrimSpace(content)) > 0 && !isSOPSText(content), true
}

// isSOPSText reports whether a file is SOPS-encrypted in any of its
// formats: YAML and JSON carry a sops key, dotenv and INI files sops_
// entries, and every format ENC[...] values.
func isSOPSText(content []byte) bool {
	return bytes.Contains(content, []byte("ENC[AES256_GCM,")) &&
		(bytes.Contains(content, []byte("sops")) || bytes.Contains(content, []byte("sops_mac")))
}

// envPairs reads KEY=VALUE lines of an env file, as kustomize does:
// blank lines and # comments skipped.
func envPairs(content []byte) []envPair {
	var out []envPair
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 0, 64<<10), len(content)+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		out = append(out, envPair{key: strings.TrimSpace(k), value: strings.Trim(strings.TrimSpace(v), `"'`), line: n})
	}
	return out
}

// envPair is one KEY=VALUE line of an env file.
type envPair struct {
	key, value string
	line       int
}

// mappingLookup returns the value under key in a YAML mapping, or nil.
func mappingLookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalars returns the scalar items of a YAML sequence.
func scalars(seq *yaml.Node) []*yaml.Node {
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	var out []*yaml.Node
	for _, n := range seq.Content {
		if n.Kind == yaml.ScalarNode {
			out = append(out, n)
		}
	}
	return out
}
