package provenance

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

const whyInclude = "template that includes it"

// helm returns the template line that writes field on obj, following a
// direct include or template call into the chart's named templates; when
// the line reads a value that a values file sets, the writer is that
// file's line of the key (the last of the chart's values.yaml and the
// target's values files to set it), with the template line related.
func (l *Locator) helm(t render.Target, obj *manifest.Object, field string) *writer {
	file := obj.Origin.File
	lines := l.lines(file)
	if lines == nil {
		return nil
	}
	start, end, ok := section(lines, obj)
	if !ok {
		return nil
	}
	line, rest := walkTemplate(lines, start, end, manifest.ParseField(obj.Content, field))
	if line == 0 {
		return &writer{file: file, line: start + 1}
	}
	w := &writer{file: file, line: line}
	text := directives(lines, line)
	if name := includeName(text); name != "" {
		if dfile, dstart, dend := l.define(t.Path, name); dfile != "" {
			dlines := l.lines(dfile)
			if dline, drest := walkTemplate(dlines, dstart, dend, rest); len(rest) > 0 && dline > 0 {
				w.related = append(w.related, manifest.Location{File: file, Line: line, Why: whyInclude})
				w.file, w.line, rest, text = dfile, dline, drest, directives(dlines, dline)
			} else {
				text += strings.Join(dlines[dstart:dend], "\n")
			}
		}
	}
	if !strings.HasPrefix(file, path.Join(t.Path, "templates")+"/") {
		return w // a subchart's values are the parent's, under its name
	}
	valuesFiles := append([]string{path.Join(t.Path, "values.yaml")}, t.ValuesFiles...)
	best, bestLine, bestFile := -1, 0, ""
	for _, ref := range valuesRefs.FindAllStringSubmatch(text, -1) {
		keys := strings.Split(strings.TrimPrefix(ref[1], "."), ".")
		at := make([]manifest.FieldStep, 0, len(keys)+len(rest))
		for _, k := range keys {
			at = append(at, manifest.FieldStep{Key: k, Index: -1})
		}
		if strings.Contains(text, "toYaml") {
			at = append(at, rest...)
		}
		for i, vf := range valuesFiles {
			if i < best {
				continue
			}
			docs := l.yamlDocs(vf)
			if len(docs) == 0 {
				continue
			}
			if vline, complete := manifest.FindField(docs[0].Node.Content[0], at, nil); complete && vline > 0 {
				best, bestLine, bestFile = i, vline, vf
			}
		}
	}
	if best < 0 {
		return w
	}
	w.related = append([]manifest.Location{{File: w.file, Line: w.line, Why: whyTemplate}}, w.related...)
	w.file, w.line = bestFile, bestLine
	return w
}

var (
	valuesRefs   = regexp.MustCompile(`\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`)
	includeCall  = regexp.MustCompile(`\b(?:include|template)\s+"([^"]+)"`)
	defineAction = regexp.MustCompile(`\{\{-?\s*define\s+"([^"]+)"`)
	// templateAction is one {{ ... }} action.
	templateAction = regexp.MustCompile(`\{\{.*?\}\}`)
)

func includeName(text string) string {
	if m := includeCall.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// directives is the template line and the action lines right under it
// ({{- toYaml .Values.resources | nindent 12 }}), which write its value.
func directives(lines []string, line int) string {
	text := lines[line-1]
	for _, l := range lines[line:] {
		if t := strings.TrimSpace(l); !strings.HasPrefix(t, "{{") {
			break
		}
		text += "\n" + l
	}
	return text
}

// define finds the named template name among the chart's templates and
// returns its file and the lines of its body.
func (l *Locator) define(chartDir, name string) (file string, start, end int) {
	dir := path.Join(chartDir, "templates")
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		return "", 0, 0
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		f := path.Join(dir, e.Name())
		lines := l.lines(f)
		for i, line := range lines {
			if m := defineAction.FindStringSubmatch(line); m == nil || m[1] != name {
				continue
			}
			end := slices.IndexFunc(lines[i+1:], func(s string) bool { return defineAction.MatchString(s) })
			if end < 0 {
				end = len(lines) - i - 1
			}
			return f, i + 1, i + 1 + end
		}
	}
	return "", 0, 0
}

// section returns the lines of the template's document that renders obj:
// the document with a top-level "kind: <kind>" and, where several have
// it, the one whose metadata name matches obj's (namedAs). With no
// document of the kind it is the whole file; ok is false when several
// have the kind and not exactly one has the name: which one wrote obj
// cannot be told.
func section(lines []string, obj *manifest.Object) (start, end int, ok bool) {
	var docs [][2]int
	begin := 0
	add := func(end int) {
		if slices.ContainsFunc(lines[begin:end], func(l string) bool {
			return strings.HasPrefix(l, "kind:") && strings.TrimSpace(strings.TrimPrefix(l, "kind:")) == obj.Kind
		}) {
			docs = append(docs, [2]int{begin, end})
		}
	}
	for i, line := range lines {
		if strings.HasPrefix(line, "---") {
			add(i)
			begin = i + 1
		}
	}
	add(len(lines))
	switch {
	case len(docs) == 0:
		return 0, len(lines), true
	case len(docs) > 1:
		docs = slices.DeleteFunc(docs, func(d [2]int) bool { return !namedAs(lines[d[0]:d[1]], obj.Name) })
	}
	if len(docs) != 1 {
		return 0, 0, false
	}
	start, end = docs[0][0], docs[0][1]
	// The document starts at its first line of YAML, after comments.
	for start < end && (strings.TrimSpace(lines[start]) == "" || strings.HasPrefix(lines[start], "#")) {
		start++
	}
	return start, end, true
}

// namedAs reports whether a document's metadata name line, its template
// actions left out, can render as name: its literal parts appear in name
// in order.
func namedAs(doc []string, name string) bool {
	i := slices.IndexFunc(doc, func(l string) bool { return strings.HasPrefix(l, "  name:") })
	if i < 0 {
		return false
	}
	text := strings.Trim(strings.TrimSpace(strings.TrimPrefix(doc[i], "  name:")), `"'`)
	for _, literal := range templateAction.Split(text, -1) {
		at := strings.Index(name, literal)
		if at < 0 {
			return false
		}
		name = name[at+len(literal):]
	}
	return true
}

// walkTemplate follows path through the indentation of template text,
// where YAML cannot parse it, and returns the line of the deepest step
// found and the steps left. Action lines ({{ ... }}) and comments are
// passed over; a list index takes the index-th item written, or the last
// one, as a range writes one for many.
func walkTemplate(lines []string, start, end int, path []manifest.FieldStep) (line int, rest []manifest.FieldStep) {
	indent, pos := -1, start
	for si, s := range path {
		found, child, last := false, -1, -1
		for i := pos; i < end && !found; i++ {
			t, ind, dash := templateLine(lines[i])
			switch {
			case t == "":
			case s.Index >= 0 && !dash:
				if ind <= indent {
					i = end
				}
			case s.Index >= 0:
				if ind-2 < indent {
					i = end
					break
				}
				if child >= 0 && ind != child {
					break
				}
				child, last = ind, i
				if s.Index == 0 {
					found = true
				}
				s.Index--
			case ind <= indent:
				i = end
			default:
				if child < 0 {
					child = ind
				}
				if ind == child && isKey(t, s.Key) {
					found, line, pos, indent = true, i+1, i+1, ind
				}
			}
		}
		if path[si].Index >= 0 && last >= 0 {
			// The index-th item, or the last written: a range writes one
			// item for many.
			found, line, pos, indent = true, last+1, last, child-2
		}
		if !found {
			return line, path[si:]
		}
	}
	return line, nil
}

// templateLine is a line's text without indentation or a list dash, the
// column that text starts at, and whether it starts a list item; "" for
// blank lines, comments and action lines.
func templateLine(line string) (text string, indent int, dash bool) {
	t := strings.TrimLeft(line, " ")
	indent = len(line) - len(t)
	if rest, ok := strings.CutPrefix(t, "- "); ok {
		trimmed := strings.TrimLeft(rest, " ")
		indent, t, dash = indent+2+len(rest)-len(trimmed), trimmed, true
	}
	t = strings.TrimSpace(t)
	if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "{{") && !dash {
		return "", 0, false
	}
	return t, indent, dash
}

func isKey(text, key string) bool {
	for _, k := range []string{key, `"` + key + `"`, `'` + key + `'`} {
		if strings.HasPrefix(text, k+":") {
			return true
		}
	}
	return false
}
