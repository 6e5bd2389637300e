package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// TestServeExcludedNamespaces: the --config file's
// admission.excludedNamespaces reach the server's Set, replacing
// --exclude-namespace (nil keeps them, empty excludes none); both at once
// are refused.
func TestServeExcludedNamespaces(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	tests := []struct {
		name    string
		config  string // "" for no --config
		flag    bool
		want    []string
		wantErr string
	}{
		{name: "no configuration", want: nil},
		{name: "configuration without admission", config: "kubernetesVersion: \"1.34\"\n", want: nil},
		{name: "configuration names them", config: "admission:\n  excludedNamespaces: [kube-system, flux-system]\n", want: []string{"kube-system", "flux-system"}},
		{name: "configuration excludes none", config: "admission:\n  excludedNamespaces: []\n", want: []string{}},
		{name: "flag and configuration", config: "admission:\n  excludedNamespaces: [flux-system]\n", flag: true, wantErr: "leave out --exclude-namespace"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gf gateFlags
			cmd := &cobra.Command{Use: "serve"}
			gf.register(cmd)
			gf.registerChecks(cmd)
			args := []string{"--no-default-policies"}
			if tt.config != "" {
				args = append(args, "--config", write(fmt.Sprintf("config-%d.yaml", i), tt.config))
			}
			if err := cmd.ParseFlags(args); err != nil {
				t.Fatal(err)
			}
			set, err := gf.serverSet(context.Background(), nil, tt.flag)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer set.Gate.Close()
			if diff := cmp.Diff(tt.want, set.ExcludedNamespaces); diff != "" {
				t.Errorf("excluded namespaces (-want +got):\n%s", diff)
			}
		})
	}
}
