package validate

import "testing"

// pod returns a Pod whose spec is spec.
func pod(spec string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n" + indent(spec, "  ")
}

// TestEnvRule checks schema/env against the API server's ValidateEnv.
func TestEnvRule(t *testing.T) {
	const p = "schema/env spec.containers[0].env[0]."
	env := func(vars string) string {
		return pod("containers: [{name: app, image: \"app:1\", env: " + vars + "}]\n")
	}
	runMessageCases(t, []messageCase{
		{name: "valid", stream: env(`[{name: MODE, value: a}, {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}, {name: app.kubernetes.io-x, valueFrom: {secretKeyRef: {name: s, key: k}}}]`)},
		{name: "label subscript", stream: env(`[{name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}]`)},
		{name: "name with =", stream: env(`[{name: "A=B", value: x}]`),
			want: []string{p + `name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`}},
		{name: "value and valueFrom", stream: env(`[{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]`),
			want: []string{p + "valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"}},
		{name: "two sources", stream: env(`[{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}, secretKeyRef: {name: s, key: k}}}]`),
			want: []string{p + "valueFrom: Invalid value: \"\": may not have more than one field specified at a time"}},
		{name: "unsupported fieldPath", stream: env(`[{name: A, valueFrom: {fieldRef: {fieldPath: spec.containers}}}]`),
			want: []string{p + `valueFrom.fieldRef.fieldPath: Invalid value: "spec.containers": error converting fieldPath: field label not supported: spec.containers`}},
		{name: "fieldPath not offered to env", stream: env(`[{name: A, valueFrom: {fieldRef: {fieldPath: status.phase}}}]`),
			want: []string{p + `valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"`}},
		// The server accepts it with a warning.
		{name: "repeated name", stream: env(`[{name: A, value: x}, {name: A, value: y}]`),
			want: []string{`schema/duplicate-entry spec.containers[0].env[1].name: Duplicate value: "A"`}},
	})
}

// TestProbeRule checks schema/probe against the API server's validateProbe.
func TestProbeRule(t *testing.T) {
	const p = "schema/probe spec.containers[0]."
	probe := func(kind, body string) string {
		return pod("containers: [{name: app, image: \"app:1\", " + kind + ": " + body + "}]\n")
	}
	runMessageCases(t, []messageCase{
		{name: "valid", stream: probe("livenessProbe", "{httpGet: {path: /healthz, port: http}, periodSeconds: 10, successThreshold: 1}")},
		{name: "readiness success threshold", stream: probe("readinessProbe", "{tcpSocket: {port: 8080}, successThreshold: 3}")},
		{name: "no handler", stream: probe("livenessProbe", "{periodSeconds: 10}"),
			want: []string{p + "livenessProbe: Required value: must specify a handler type"}},
		{name: "two handlers", stream: probe("livenessProbe", "{exec: {command: [\"true\"]}, httpGet: {path: /, port: 80}}"),
			want: []string{p + "livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type"}},
		{name: "liveness success threshold", stream: probe("livenessProbe", "{exec: {command: [\"true\"]}, successThreshold: 2}"),
			want: []string{p + "livenessProbe.successThreshold: Invalid value: 2: must be 1"}},
		{name: "negative period", stream: probe("readinessProbe", "{exec: {command: [\"true\"]}, periodSeconds: -1}"),
			want: []string{p + "readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"}},
		{name: "port too large", stream: probe("readinessProbe", "{tcpSocket: {port: 70000}}"),
			want: []string{p + "readinessProbe.tcpSocket.port: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{name: "bad port name", stream: probe("startupProbe", "{httpGet: {path: /, port: Http_Port}}"),
			want: []string{p + `startupProbe.httpGet.port: Invalid value: "Http_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`}},
	})
}

// TestResourcesRule checks schema/resources against the API server's
// ValidateContainerResourceRequirements.
func TestResourcesRule(t *testing.T) {
	const p = "schema/resources spec.containers[0].resources."
	res := func(r string) string {
		return pod("containers: [{name: app, image: \"app:1\", resources: " + r + "}]\n")
	}
	runMessageCases(t, []messageCase{
		{name: "valid", stream: res("{requests: {cpu: 100m, memory: 128Mi, hugepages-2Mi: 2Mi}, limits: {cpu: 1, memory: 256Mi, hugepages-2Mi: 2Mi, nvidia.com/gpu: 1}}")},
		{name: "extended resource requested at its limit", stream: res("{requests: {nvidia.com/gpu: 2}, limits: {nvidia.com/gpu: 2}}")},
		{name: "request above limit", stream: res("{requests: {cpu: \"2\"}, limits: {cpu: \"1\"}}"),
			want: []string{p + `requests: Invalid value: "2": must be less than or equal to cpu limit of 1`}},
		{name: "negative", stream: res("{requests: {cpu: \"-1\"}}"),
			want: []string{p + `requests[cpu]: Invalid value: "-1": must be greater than or equal to 0`}},
		{name: "unknown name", stream: res("{limits: {gpu: 1}}"),
			want: []string{
				p + `limits[gpu]: Invalid value: "gpu": must be a standard resource for containers`,
				p + `limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified`,
			}},
		{name: "quota name", stream: res("{limits: {pods: 1}}"),
			want: []string{p + `limits[pods]: Invalid value: "pods": must be a standard resource for containers`}},
		{name: "extended resource without limit", stream: res("{requests: {nvidia.com/gpu: 1}}"),
			want: []string{p + "limits: Required value: Limit must be set for non overcommitable resources"}},
		{name: "fractional extended resource", stream: res("{requests: {example.com/dongle: 500m}, limits: {example.com/dongle: 500m}}"),
			want: []string{
				p + `limits[example.com/dongle]: Invalid value: "500m": must be an integer`,
				p + `requests[example.com/dongle]: Invalid value: "500m": must be an integer`,
			}},
	})
}

// TestPodSpecRule checks schema/pod-spec against the rest of the API
// server's ValidatePodSpec.
func TestPodSpecRule(t *testing.T) {
	const c = `containers: [{name: app, image: "app:1"}]` + "\n"
	const p = "schema/pod-spec spec."
	runMessageCases(t, []messageCase{
		{name: "valid", stream: pod(c + `
activeDeadlineSeconds: 60
hostname: web-1
serviceAccountName: web.sa
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{operator: Exists}, {key: dedicated, value: shop, effect: NoExecute, tolerationSeconds: 30}]
topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]
securityContext: {runAsUser: 1000, runAsGroup: 1000}
volumes: [{name: data}]
`)},
		{name: "activeDeadlineSeconds zero", stream: pod(c + "activeDeadlineSeconds: 0\n"),
			want: []string{p + "activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"}},
		{name: "hostname", stream: pod(c + "hostname: Web_1\n"),
			want: []string{p + `hostname: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{name: "serviceAccountName", stream: pod(c + "serviceAccountName: Web_SA\n"),
			want: []string{p + `serviceAccountName: Invalid value: "Web_SA": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{name: "nodeSelector key", stream: pod(c + "nodeSelector: {disk type: ssd}\n"),
			want: []string{p + `nodeSelector: Invalid value: "disk type": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`}},
		{name: "Exists with a value", stream: pod(c + "tolerations: [{key: dedicated, operator: Exists, value: shop}]\n"),
			want: []string{p + "tolerations[0].operator: Invalid value: \"shop\": value must be empty when `operator` is 'Exists'"}},
		{name: "tolerationSeconds without NoExecute", stream: pod(c + "tolerations: [{key: dedicated, value: shop, effect: NoSchedule, tolerationSeconds: 30}]\n"),
			want: []string{p + "tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"}},
		{name: "maxSkew zero", stream: pod(c + "topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n"),
			want: []string{p + "topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"}},
		{name: "negative runAsUser", stream: pod(`containers: [{name: app, image: "app:1", securityContext: {runAsUser: -1}}]` + "\n"),
			want: []string{p + "containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"}},
		{name: "privileged without escalation", stream: pod(`containers: [{name: app, image: "app:1", securityContext: {privileged: true, allowPrivilegeEscalation: false}}]` + "\n"),
			want: []string{p + "containers[0].securityContext: Invalid value: {\"allowPrivilegeEscalation\":false,\"privileged\":true}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"}},
		{name: "subPath escape", stream: pod(`containers: [{name: app, image: "app:1", volumeMounts: [{name: data, mountPath: /data, subPath: ../etc}]}]` + "\nvolumes: [{name: data, emptyDir: {}}]\n"),
			want: []string{p + `containers[0].volumeMounts.subPath: Invalid value: "../etc": must not contain '..'`}},
		{name: "two volume sources", stream: pod(c + "volumes: [{name: data, configMap: {name: c}, emptyDir: {}}]\n"),
			want: []string{p + "volumes[0].configMap: Forbidden: may not specify more than 1 volume type"}},
		// The StatefulSet controller sets each pod's hostname.
		{name: "StatefulSet hostname", stream: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      hostname: Db_0\n      containers: [{name: db, image: \"db:1\"}]\n"},
	})
}
