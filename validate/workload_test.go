package validate

import "testing"

// job returns a Job whose spec holds extra, with a valid template.
func job(extra string) string {
	return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n" + indent(extra, "  ") +
		"  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: \"m:1\"}]\n"
}

// deploymentSpec returns a valid Deployment with extra fields in spec.
func deploymentSpec(extra string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n" + indent(extra, "  ") +
		"  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: app, image: \"app:1\"}]\n"
}

// TestWorkloadRule checks schema/workload against the API server's
// Deployment, StatefulSet, DaemonSet, Job, CronJob, HorizontalPodAutoscaler
// and PodDisruptionBudget validation, after defaulting.
func TestWorkloadRule(t *testing.T) {
	const p = "schema/workload spec."
	const nonNeg = ": must be greater than or equal to 0"
	hpa := func(spec string) string {
		return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n" + indent(spec, "  ")
	}
	pdb := func(spec string) string {
		return "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n" + indent(spec, "  ")
	}
	runMessageCases(t, []messageCase{
		{name: "valid Deployment with every default", stream: deploymentSpec("")},
		{name: "valid Deployment with explicit fields", stream: deploymentSpec("replicas: 0\nrevisionHistoryLimit: 0\nminReadySeconds: 10\nprogressDeadlineSeconds: 60\nstrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}\n")},
		{name: "negative replicas", stream: deploymentSpec("replicas: -1\n"),
			want: []string{p + "replicas: Invalid value: -1" + nonNeg}},
		{name: "negative revisionHistoryLimit", stream: deploymentSpec("revisionHistoryLimit: -1\n"),
			want: []string{p + "revisionHistoryLimit: Invalid value: -1" + nonNeg}},
		{name: "progress deadline not above minReadySeconds", stream: deploymentSpec("minReadySeconds: 300\nprogressDeadlineSeconds: 300\n"),
			want: []string{p + "progressDeadlineSeconds: Invalid value: 300: must be greater than minReadySeconds"}},
		{name: "defaulted progress deadline below minReadySeconds", stream: deploymentSpec("minReadySeconds: 900\n"),
			want: []string{p + "progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"}},
		{name: "Recreate with rolling parameters", stream: deploymentSpec("strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n"),
			want: []string{p + "strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"}},
		{name: "surge and unavailable both zero", stream: deploymentSpec("strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: \"0%\"}}\n"),
			want: []string{p + `strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when ` + "`maxSurge`" + ` is 0`}},
		{name: "only surge zero: unavailable defaults to 25%", stream: deploymentSpec("strategy: {rollingUpdate: {maxSurge: 0}}\n")},
		{name: "unavailable over 100%", stream: deploymentSpec("strategy: {rollingUpdate: {maxUnavailable: \"150%\"}}\n"),
			want: []string{p + `strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%`}},
		{name: "unknown strategy type", stream: deploymentSpec("strategy: {type: BlueGreen}\n"),
			want: []string{
				`schema/enum spec.strategy.type: Unsupported value: supported values: "Recreate", "RollingUpdate"`,
				p + `strategy: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"`,
			}},
		{name: "Deployment restart policy Never", stream: deployment("restartPolicy: Never\ncontainers: [{name: app, image: \"app:1\"}]\n"),
			want: []string{p + `template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{name: "empty selector", stream: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {}\n  template:\n    spec:\n      containers: [{name: app, image: \"app:1\"}]\n",
			want: []string{p + "selector: Invalid value: {}: empty selector is invalid for deployment"}},
		{name: "In without values", stream: deploymentSpec("") + "---\n" + "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchExpressions: [{key: app, operator: In}]}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: db, image: \"db:1\"}]\n",
			want: []string{
				p + `selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"In"}]}: invalid label selector`,
				p + "selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
			}},
		{name: "DaemonSet restart policy OnFailure", stream: "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      restartPolicy: OnFailure\n      containers: [{name: agent, image: \"agent:1\"}]\n",
			want: []string{p + `template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`}},
		{name: "valid Job", stream: job("backoffLimit: 0\nttlSecondsAfterFinished: 0\n")},
		{name: "Argo CD hook Job with generateName", stream: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: db-migrate-\n  annotations: {argocd.argoproj.io/hook: PreSync, argocd.argoproj.io/hook-delete-policy: HookSucceeded}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: migrate, image: \"migrate:1\"}]\n"},
		{name: "Job counts negative", stream: job("parallelism: -2\ncompletions: -1\nbackoffLimit: -1\nttlSecondsAfterFinished: -5\n"),
			want: []string{
				p + "backoffLimit: Invalid value: -1" + nonNeg,
				p + "completions: Invalid value: -1" + nonNeg,
				p + "parallelism: Invalid value: -2" + nonNeg,
				p + "ttlSecondsAfterFinished: Invalid value: -5" + nonNeg,
			}},
		{name: "Job restart policy missing", stream: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: j, image: \"j:1\"}]\n",
			want: []string{p + `template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`}},
		{name: "Job with podFailurePolicy and OnFailure", stream: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [42]}}]}\n  template:\n    spec:\n      restartPolicy: OnFailure\n      containers: [{name: j, image: \"j:1\"}]\n",
			want: []string{p + `template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified`}},
		{name: "Job selector without manualSelector", stream: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  selector: {matchLabels: {app: j}}\n  template:\n    metadata: {labels: {app: j}}\n    spec:\n      restartPolicy: Never\n      containers: [{name: j, image: \"j:1\"}]\n",
			want: []string{p + `selector: Invalid value: {"matchLabels":{"app":"j"}}: ` + "`selector` not auto-generated"}},
		{name: "CronJob history limits", stream: "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: backup}\nspec:\n  schedule: \"0 3 * * *\"\n  successfulJobsHistoryLimit: -1\n  failedJobsHistoryLimit: 0\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: b, image: \"b:1\"}]\n",
			want: []string{
				p + `jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
				p + "successfulJobsHistoryLimit: Invalid value: -1" + nonNeg,
			}},
		{name: "valid HPA", stream: hpa("minReplicas: 2\nmaxReplicas: 5\n")},
		{name: "HPA scaling to zero on an object metric", stream: hpa("minReplicas: 0\nmaxReplicas: 5\nmetrics: [{type: Object, object: {metric: {name: queue}, describedObject: {apiVersion: v1, kind: Service, name: q}, target: {type: Value, value: \"10\"}}}]\n")},
		{name: "HPA max below min", stream: hpa("minReplicas: 5\nmaxReplicas: 3\n"),
			want: []string{p + "maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"}},
		{name: "HPA min zero without object metrics", stream: hpa("minReplicas: 0\nmaxReplicas: 3\n"),
			want: []string{p + "metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas"}},
		{name: "valid PDB", stream: pdb("maxUnavailable: \"25%\"\n")},
		{name: "PDB min and max", stream: pdb("minAvailable: 1\nmaxUnavailable: 1\n"),
			want: []string{`schema/workload spec: Invalid value: {"maxUnavailable":1,"minAvailable":1,"selector":{"matchLabels":{"app":"web"}}}: minAvailable and maxUnavailable cannot be both set`}},
		{name: "PDB percent over 100", stream: pdb("maxUnavailable: \"120%\"\n"),
			want: []string{p + `maxUnavailable: Invalid value: "120%": must not be greater than 100%`}},
		{name: "PDB not a percentage", stream: pdb("minAvailable: \"half\"\n"),
			want: []string{p + `minAvailable: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`}},
		// A custom workload is its controller's to check.
		{name: "Rollout with negative replicas", stream: "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  replicas: -1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: app, image: \"app:1\"}]\n"},
	})
}

// TestScheduleRule checks schema/schedule against the API server's
// validateScheduleFormat and validateTimeZone.
func TestScheduleRule(t *testing.T) {
	cron := func(schedule, tz string) string {
		s := "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: backup}\nspec:\n  schedule: \"" + schedule + "\"\n"
		if tz != "" {
			s += "  timeZone: " + tz + "\n"
		}
		return s + "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{name: b, image: \"b:1\"}]\n"
	}
	const p = "schema/schedule spec."
	runMessageCases(t, []messageCase{
		{name: "five fields", stream: cron("*/15 3 * * 1-5", "")},
		{name: "descriptor", stream: cron("@daily", "")},
		{name: "time zone", stream: cron("0 3 * * *", "Europe/Berlin")},
		{name: "words", stream: cron("every minute", ""),
			want: []string{p + `schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]`}},
		{name: "six fields", stream: cron("0 0 3 * * *", ""),
			want: []string{p + `schedule: Invalid value: "0 0 3 * * *": expected exactly 5 fields, found 6: [0 0 3 * * *]`}},
		{name: "minute out of range", stream: cron("61 * * * *", ""),
			want: []string{p + `schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61`}},
		{name: "CRON_TZ prefix", stream: cron("CRON_TZ=UTC 0 3 * * *", ""),
			want: []string{p + `schedule: Invalid value: "CRON_TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`}},
		{name: "unknown time zone", stream: cron("0 3 * * *", "Mars/Olympus_Mons"),
			want: []string{p + `timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons`}},
		{name: "Local", stream: cron("0 3 * * *", "Local"),
			want: []string{p + `timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones`}},
	})
}
