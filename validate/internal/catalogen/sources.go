package main

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// source is one line of sources.txt: a project and where its CRDs are.
type source struct {
	Name, Module, Version string
	// Globs are CRD YAML files inside the module, slash-separated;
	// Excludes leave out files they match.
	Globs, Excludes []string
	// Types is the package pattern controller-gen reads, "" with Globs.
	Types string
	Line  int
}

var (
	projectName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	moduleVer   = regexp.MustCompile(`^([a-z0-9.-]+(?:/[A-Za-z0-9._~-]+)+)@(v\d+\.\d+\.\d+)$`)
)

// parseSources reads sources.txt: "NAME MODULE@VERSION FROM" per line, FROM
// being comma-separated globs ("!GLOB" leaves files out) or
// "types:PATTERN"; # starts a comment.
func parseSources(file string, b []byte) ([]source, error) {
	var out []source
	seen := map[string]bool{}
	for i, line := range strings.Split(string(b), "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", file, i+1, fmt.Sprintf(format, args...))
		}
		if len(fields) != 3 {
			return nil, bad("want NAME MODULE@VERSION FROM, got %d fields", len(fields))
		}
		s := source{Name: fields[0], Line: i + 1}
		if !projectName.MatchString(s.Name) {
			return nil, bad("project name %q: want lower-case letters, digits and dashes", s.Name)
		}
		if seen[s.Name] {
			return nil, bad("project %s listed twice", s.Name)
		}
		seen[s.Name] = true
		m := moduleVer.FindStringSubmatch(fields[1])
		if m == nil {
			return nil, bad("%q: want MODULE@vX.Y.Z", fields[1])
		}
		s.Module, s.Version = m[1], m[2]
		if pattern, ok := strings.CutPrefix(fields[2], "types:"); ok {
			if pattern == "" {
				return nil, bad("types: needs a package pattern")
			}
			s.Types = pattern
		} else {
			for _, g := range strings.Split(fields[2], ",") {
				exclude := strings.HasPrefix(g, "!")
				g = strings.TrimPrefix(g, "!")
				if _, err := path.Match(g, ""); err != nil || g == "" || path.IsAbs(g) || strings.Contains(g, "..") {
					return nil, bad("glob %q: want a pattern inside the module", g)
				}
				if exclude {
					s.Excludes = append(s.Excludes, g)
				} else {
					s.Globs = append(s.Globs, g)
				}
			}
			if len(s.Globs) == 0 {
				return nil, bad("no glob selects files")
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no projects", file)
	}
	return out, nil
}
