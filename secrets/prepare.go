package secrets

import (
	"encoding/base64"
	"maps"

	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
)

// Prepared are the objects later stages (schema validation, policy)
// check, with what their findings must not show.
type Prepared struct {
	// Objects are in the order given: a SOPS object without its sops key,
	// as Flux applies it, and decrypted in memory when the Scanner's age
	// key is one of its recipients; every other object as it is. An
	// object that does not decrypt keeps its ciphertext (Objects reports
	// why).
	Objects []*manifest.Object
	// decrypted holds the values of decrypted objects; nil when none.
	decrypted *redact.Set
}

// Prepare readies objects for the later stages.
func (s *Scanner) Prepare(objects []*manifest.Object) Prepared {
	p := Prepared{Objects: make([]*manifest.Object, len(objects))}
	for i, obj := range objects {
		p.Objects[i] = s.prepare(obj)
		if p.Objects[i] == obj {
			continue
		}
		if p.decrypted == nil {
			p.decrypted = &redact.Set{}
		}
		for _, v := range Sensitive(p.Objects[i]) {
			p.decrypted.Add(v)
		}
	}
	return p
}

// Mask hides the values of decrypted objects in the messages and fields
// of findings about the prepared objects, whatever a stage quotes.
func (p Prepared) Mask(findings []manifest.Finding) []manifest.Finding {
	p.decrypted.RedactFindings(findings)
	return findings
}

func (s *Scanner) prepare(obj *manifest.Object) *manifest.Object {
	if !hasSOPSMetadata(obj.Content) {
		return obj
	}
	content := maps.Clone(obj.Content)
	delete(content, "sops")
	if len(s.identities) > 0 {
		if d, err := parseSOPSContent(obj.Content); err == nil {
			if branches, err := s.decrypt(d, false); err == nil {
				content = contentOf(branches)
			}
		}
	}
	return manifest.NewObject(content, obj.Origin)
}

// Sensitive returns the strings of obj that no message may show: every
// value of a Secret's data (decoded too) and stringData, and of a
// SealedSecret's template data. Later stages that report on objects from
// Prepare mask these in their messages.
func Sensitive(obj *manifest.Object) []string {
	var out []string
	add := func(m map[string]any, decode bool) {
		for _, v := range m {
			s, ok := v.(string)
			if !ok || s == "" {
				continue
			}
			out = append(out, s)
			if decoded, err := base64.StdEncoding.DecodeString(s); decode && err == nil {
				out = append(out, string(decoded))
			}
		}
	}
	switch {
	case isSecret(obj):
		add(nestedMap(obj.Content, "data"), true)
		add(nestedMap(obj.Content, "stringData"), false)
	case isSealedSecret(obj):
		add(nestedMap(obj.Content, "spec", "template", "data"), true)
		add(nestedMap(obj.Content, "spec", "template", "stringData"), false)
	}
	return out
}
