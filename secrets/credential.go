package secrets

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
// path allowlists (lockfiles, vendored code) apply.
func (s *Scanner) leaks(ctx context.Context, file, text string) []leak {
	if text == "" {
		return nil
	}
	found := s.detector.DetectContext(ctx, detect.Fragment{Raw: text, FilePath: file})
	out := make([]leak, 0, len(found))
	for _, f := range found {
		out = append(out, leak{rule: f.RuleID, line: f.StartLine, secret: f.Secret})
	}
	return out
}
