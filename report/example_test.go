package report_test

import (
	"fmt"
	"os"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/report"
)

func ExampleWrite() {
	d := &syncgate.Decision{
		Findings: []manifest.Finding{{
			Rule: "render/duplicate-object", Severity: manifest.SeverityError, Target: "apps/web",
			Object: &manifest.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "web", Name: "settings"},
			File:   "apps/web/b.yaml", Line: 7,
			Message: "ConfigMap/web/settings is defined more than once (first in apps/web/a.yaml:1)",
		}},
		Targets: []syncgate.TargetResult{{Name: "apps/web", Kind: render.KindManifests, Path: "apps/web", Objects: 2}},
		Stats:   syncgate.Stats{Targets: 1, Objects: 2},
	}
	for _, format := range []report.Format{report.Text, report.GitHub} {
		if err := report.Write(os.Stdout, d, format, report.Options{}); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// apps/web (manifests, 2 objects)
	//   error   render/duplicate-object apps/web/b.yaml:7 ConfigMap/web/settings: ConfigMap/web/settings is defined more than once (first in apps/web/a.yaml:1)
	// blocked: 1 targets, 2 objects, 1 errors, 0 warnings
	// ::error file=apps/web/b.yaml,line=7,title=render/duplicate-object::ConfigMap/web/settings: ConfigMap/web/settings is defined more than once (first in apps/web/a.yaml:1)
	// syncgate blocked: 1 targets, 2 objects, 1 errors, 0 warnings
}
