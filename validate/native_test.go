package validate

import (
	"fmt"
	"strings"
	"testing"
)

// deployment returns a Deployment stream whose pod spec is podSpec,
// indented under spec.template.spec.
func deployment(podSpec string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n" + indent(podSpec, "      ")
}

// rollout returns an Argo Rollout (no CRD given: found by shape) with the
// same pod spec.
func rollout(podSpec string) string {
	return "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n" + indent(podSpec, "      ")
}

func indent(s, prefix string) string {
	var b strings.Builder
	for line := range strings.Lines(strings.TrimPrefix(s, "\n")) {
		b.WriteString(prefix + line)
	}
	return b.String()
}

// TestContainerRule checks schema/container against the API server's
// validateContainerCommon and validateInitContainers.
func TestContainerRule(t *testing.T) {
	const p = "schema/container spec.template.spec."
	runMessageCases(t, []messageCase{
		{name: "valid", stream: deployment(`
initContainers: [{name: init, image: "busybox:1"}]
containers: [{name: app, image: "app:1"}]
`)},
		{name: "no image", stream: deployment("containers: [{name: app}]\n"),
			want: []string{p + "containers[0].image: Required value"}},
		{name: "empty image in an init container", stream: deployment(`
initContainers: [{name: init, image: ""}]
containers: [{name: app, image: "app:1"}]
`), want: []string{p + "initContainers[0].image: Required value"}},
		{name: "empty name", stream: deployment(`containers: [{name: "", image: "app:1"}]`),
			want: []string{p + "containers[0].name: Required value"}},
		{name: "invalid name", stream: deployment(`containers: [{name: App_1, image: "app:1"}]`),
			want: []string{p + `containers[0].name: Invalid value: "App_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{name: "init container named as a container", stream: deployment(`
initContainers: [{name: app, image: "busybox:1"}]
containers: [{name: app, image: "app:1"}]
`), want: []string{p + `initContainers[0].name: Duplicate value: "app"`}},
		// Within one list of a built-in kind the list-map key check
		// reports it; in a custom kind this check does.
		{name: "two containers of one name", stream: deployment(`containers: [{name: app, image: "app:1"}, {name: app, image: "app:2"}]`),
			want: []string{`schema/duplicate-key spec.template.spec.containers[1].name: Duplicate value: "app"`}},
		// The catalogue's Rollout schema keys containers by name, so its
		// list-map check reports the duplicate too.
		{name: "Rollout: two containers of one name", stream: rollout(`containers: [{name: app, image: "app:1"}, {name: app, image: "app:2"}]`),
			want: []string{p + `containers[1].name: Duplicate value: "app"`, `schema/duplicate-key spec.template.spec.containers[1]: Duplicate value: name="app"`}},
		{name: "Rollout: no image", stream: rollout("containers: [{name: app}]\n"),
			want: []string{p + "containers[0].image: Required value"}},
		{name: "Knative: name left to the controller", stream: "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello}\nspec:\n  template:\n    spec:\n      containers: [{image: \"hello:1\"}]\n"},
		{name: "Pod", stream: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app}]\n",
			want: []string{"schema/container spec.containers[0].image: Required value"}},
		{name: "CronJob", stream: "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: job}]\n",
			want: []string{"schema/container spec.jobTemplate.spec.template.spec.containers[0].image: Required value"}},
		{name: "operator resource with a containers list", stream: "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\nspec:\n  containers: [{name: config-reloader}]\n"},
	})
}

// TestPortRule checks schema/port against the API server's
// validateContainerPorts, validateServicePort and ValidatePortNumOrName.
func TestPortRule(t *testing.T) {
	const p = "schema/port spec.template.spec.containers[0].ports"
	const rangeMsg = "must be between 1 and 65535, inclusive"
	service := func(ports string) string {
		return "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: " + ports + "\n"
	}
	runMessageCases(t, []messageCase{
		{name: "valid container ports", stream: deployment(`containers: [{name: app, image: "app:1", ports: [{name: http, containerPort: 8080, hostPort: 80}, {containerPort: 9090}]}]`)},
		{name: "containerPort out of range", stream: deployment(`containers: [{name: app, image: "app:1", ports: [{containerPort: 70000}]}]`),
			want: []string{p + "[0].containerPort: Invalid value: 70000: " + rangeMsg}},
		{name: "containerPort 0", stream: deployment(`containers: [{name: app, image: "app:1", ports: [{containerPort: 0}]}]`),
			want: []string{p + "[0].containerPort: Required value"}},
		{name: "hostPort negative", stream: deployment(`containers: [{name: app, image: "app:1", ports: [{containerPort: 80, hostPort: -1}]}]`),
			want: []string{p + "[0].hostPort: Invalid value: -1: " + rangeMsg}},
		{name: "duplicate port name", stream: deployment(`containers: [{name: app, image: "app:1", ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]}]`),
			want: []string{p + `[1].name: Duplicate value: "http"`}},
		{name: "port name too long", stream: deployment(`containers: [{name: app, image: "app:1", ports: [{name: http-metrics-port, containerPort: 80}]}]`),
			want: []string{p + `[0].name: Invalid value: "http-metrics-port": must be no more than 15 characters`}},
		{name: "valid service", stream: service("[{name: http, port: 80, targetPort: http}, {name: grpc, port: 9090, targetPort: 9091}]")},
		{name: "one unnamed service port", stream: service("[{port: 80}]")},
		{name: "unnamed port among several", stream: service("[{name: http, port: 80}, {port: 81}]"),
			want: []string{"schema/port spec.ports[1].name: Required value"}},
		{name: "duplicate service port name", stream: service("[{name: http, port: 80}, {name: http, port: 81}]"),
			want: []string{`schema/port spec.ports[1].name: Duplicate value: "http"`}},
		{name: "service port out of range", stream: service("[{port: 65536}]"),
			want: []string{"schema/port spec.ports[0].port: Invalid value: 65536: " + rangeMsg}},
		{name: "targetPort out of range", stream: service("[{port: 80, targetPort: 100000}]"),
			want: []string{"schema/port spec.ports[0].targetPort: Invalid value: 100000: " + rangeMsg}},
		{name: "targetPort bad name", stream: service("[{port: 80, targetPort: HTTP_PORT}]"),
			want: []string{
				`schema/port spec.ports[0].targetPort: Invalid value: "HTTP_PORT": must contain at least one letter (a-z)`,
				`schema/port spec.ports[0].targetPort: Invalid value: "HTTP_PORT": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
			}},
	})
}

// TestVolumeRule checks schema/volume against the API server's
// ValidateVolumes and ValidateVolumeMounts.
func TestVolumeRule(t *testing.T) {
	const p = "schema/volume spec.template.spec."
	runMessageCases(t, []messageCase{
		{name: "valid", stream: deployment(`
volumes: [{name: data, emptyDir: {}}]
initContainers: [{name: init, image: "busybox:1", volumeMounts: [{name: data, mountPath: /data}]}]
containers: [{name: app, image: "app:1", volumeMounts: [{name: data, mountPath: /data}]}]
`)},
		{name: "mount of no volume", stream: deployment(`
volumes: [{name: data, emptyDir: {}}]
containers: [{name: app, image: "app:1", volumeMounts: [{name: config, mountPath: /etc/app}]}]
`), want: []string{p + `containers[0].volumeMounts[0].name: Not found: "config"`}},
		{name: "init container mount of no volume", stream: deployment(`
initContainers: [{name: init, image: "busybox:1", volumeMounts: [{name: data, mountPath: /data}]}]
containers: [{name: app, image: "app:1"}]
`), want: []string{p + `initContainers[0].volumeMounts[0].name: Not found: "data"`}},
		{name: "volume with an invalid name", stream: deployment(`
volumes: [{name: Data, emptyDir: {}}]
containers: [{name: app, image: "app:1", volumeMounts: [{name: Data, mountPath: /data}]}]
`), want: []string{
			p + `containers[0].volumeMounts[0].name: Not found: "Data"`,
			p + `volumes[0].name: Invalid value: "Data": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
		}},
		{name: "duplicate volumes", stream: deployment(`
volumes: [{name: data, emptyDir: {}}, {name: data, emptyDir: {}}]
containers: [{name: app, image: "app:1"}]
`), want: []string{`schema/duplicate-key spec.template.spec.volumes[1].name: Duplicate value: "data"`}},
		{name: "Rollout: duplicate volumes", stream: rollout(`
volumes: [{name: data, emptyDir: {}}, {name: data, emptyDir: {}}]
containers: [{name: app, image: "app:1"}]
`), want: []string{p + `volumes[1].name: Duplicate value: "data"`}},
	})
}

// TestSelectorRule checks schema/selector against the API server's
// selector-versus-template checks of apps, batch and core.
func TestSelectorRule(t *testing.T) {
	const pod = "    spec:\n      containers: [{name: app, image: \"app:1\"}]\n"
	// A Job runs its pods to completion, and a selector of its own needs
	// manualSelector.
	const jobPod = "    spec:\n      restartPolicy: Never\n      containers: [{name: app, image: \"app:1\"}]\n"
	workload := func(apiVersion, kind, selector, labels string) string {
		spec, template := "", pod
		if kind == "Job" {
			spec, template = "  manualSelector: true\n", jobPod
		}
		return fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: web}\nspec:\n%s  selector: %s\n  template:\n    metadata: {labels: %s}\n%s", apiVersion, kind, spec, selector, labels, template)
	}
	const msg = "schema/selector spec.template.metadata.labels: Invalid value: %s: `selector` does not match template `labels`"
	runMessageCases(t, []messageCase{
		{name: "matching Deployment", stream: workload("apps/v1", "Deployment", "{matchLabels: {app: web}}", "{app: web, tier: front}")},
		{name: "Deployment", stream: workload("apps/v1", "Deployment", "{matchLabels: {app: web}}", "{app: api}"),
			want: []string{fmt.Sprintf(msg, `{"app":"api"}`)}},
		{name: "StatefulSet expression", stream: workload("apps/v1", "StatefulSet", "{matchExpressions: [{key: tier, operator: In, values: [db]}]}", "{tier: cache}"),
			want: []string{fmt.Sprintf(msg, `{"tier":"cache"}`)}},
		{name: "DaemonSet without template labels", stream: workload("apps/v1", "DaemonSet", "{matchLabels: {app: agent}}", "{}"),
			want: []string{fmt.Sprintf(msg, `{}`)}},
		{name: "ReplicaSet", stream: workload("apps/v1", "ReplicaSet", "{matchLabels: {app: web}}", "{app: Web}"),
			want: []string{fmt.Sprintf(msg, `{"app":"Web"}`)}},
		{name: "Job", stream: workload("batch/v1", "Job", "{matchLabels: {app: web}}", "{app: api}"),
			want: []string{fmt.Sprintf(msg, `{"app":"api"}`)}},
		{name: "ReplicationController", stream: workload("v1", "ReplicationController", "{app: web}", "{app: api}"),
			want: []string{fmt.Sprintf(msg, `{"app":"api"}`)}},
		{name: "Job with a generated selector", stream: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n" + jobPod},
	})
}

// TestServiceSelectorLabels checks that a Service's selector holds valid
// label keys and values, as validateService does.
func TestServiceSelectorLabels(t *testing.T) {
	runMessageCases(t, []messageCase{
		{name: "valid", stream: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app.kubernetes.io/name: web}\n  ports: [{port: 80}]\n"},
		{name: "bad value", stream: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web server}\n  ports: [{port: 80}]\n",
			want: []string{`schema/label spec.selector: Invalid value: "web server": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`}},
	})
}
