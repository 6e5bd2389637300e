package secrets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
)

// maxDecodeDepth is how many times gitleaks decodes encoded text (base64,
// hex, percent-encoding) inside a string before it gives up: twice covers
// a value base64-encoded once by hand and once more by a Secret.
const maxDecodeDepth = 2

// newDetector compiles gitleaks' default rule set with a viper instance of
// its own: detect.NewDetectorDefaultConfig reads it through viper's global
// instance, which other code in the process may share.
func newDetector(disabled []string) (*detect.Detector, error) {
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		return nil, fmt.Errorf("gitleaks default config: %w", err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return nil, fmt.Errorf("gitleaks default config: %w", err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		return nil, fmt.Errorf("gitleaks default config: %w", err)
	}
	for _, id := range disabled {
		if _, ok := cfg.Rules[id]; !ok {
			return nil, fmt.Errorf("disabled credential rule %q is not a gitleaks rule", id)
		}
		delete(cfg.Rules, id)
		cfg.OrderedRules = slices.DeleteFunc(cfg.OrderedRules, func(r string) bool { return r == id })
	}
	d := detect.NewDetector(cfg)
	d.MaxDecodeDepth = maxDecodeDepth
	return d, nil
}

// leak is one credential gitleaks found in a text.
type leak struct {
	rule   string
	line   int // 0-based line in the text
	secret string
}

// leaks runs the rule set over text; file, when not "", lets gitleaks'
// path allowlists (lockfiles, vendored code) apply. The error is the rule
// set's, which did not compile.
func (s *Scanner) leaks(ctx context.Context, file, text string) ([]leak, error) {
	if text == "" {
		return nil, nil
	}
	d, err := s.detector()
	if err != nil {
		return nil, err
	}
	found := d.DetectContext(ctx, detect.Fragment{Raw: text, FilePath: file})
	out := make([]leak, 0, len(found))
	for _, f := range found {
		out = append(out, leak{rule: f.RuleID, line: f.StartLine, secret: f.Secret})
	}
	return out, nil
}

// maxLeafCacheBytes bounds the memory of a Scanner's leaf cache; a full
// cache is emptied and starts over.
const maxLeafCacheBytes = 32 << 20

// leafCache remembers the leaks of each string checked: a base's strings
// come back in every overlay that renders it and once more in its raw
// file, and gitleaks' regular expressions are most of the stage's time.
type leafCache struct {
	mu    sync.Mutex
	leaks map[string][]leak
	bytes int
}

// leafLeaks runs the rule set over one string, "label: value", once per
// distinct string. The result depends on that string alone, so the cache
// cannot change what is found, whatever order targets run in.
func (s *Scanner) leafLeaks(ctx context.Context, text string) ([]leak, error) {
	c := &s.cache
	c.mu.Lock()
	leaks, ok := c.leaks[text]
	c.mu.Unlock()
	if ok {
		return leaks, nil
	}
	leaks, err := s.leaks(ctx, "", text)
	if err != nil || ctx.Err() != nil {
		return leaks, err // possibly cut short: not worth remembering
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+len(text) > maxLeafCacheBytes || c.leaks == nil {
		c.leaks, c.bytes = map[string][]leak{}, 0
	}
	c.leaks[text] = leaks
	c.bytes += len(text)
	return leaks, nil
}
