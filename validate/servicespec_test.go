package validate

import (
	"strings"
	"testing"
)

// TestServiceRule checks schema/service against the API server's
// validateService after defaulting.
func TestServiceRule(t *testing.T) {
	svc := func(spec string) string {
		return "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n" + indent(spec, "  ")
	}
	const p = "schema/service spec."
	const ipMsg = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
	runMessageCases(t, []messageCase{
		{name: "valid ClusterIP", stream: svc("clusterIP: 10.96.0.10\nports: [{port: 80}]\n")},
		{name: "valid headless without ports", stream: svc("clusterIP: None\nselector: {app: web}\n")},
		{name: "valid ExternalName", stream: svc("type: ExternalName\nexternalName: db.example.com.\n")},
		{name: "valid LoadBalancer", stream: svc("type: LoadBalancer\nexternalTrafficPolicy: Local\nloadBalancerSourceRanges: [10.0.0.0/8]\nports: [{port: 80, nodePort: 30080}]\n")},
		{name: "ClusterIP with external IPs may set the policy", stream: svc("externalIPs: [192.0.2.10]\nexternalTrafficPolicy: Local\nports: [{port: 80}]\n")},
		{name: "no ports", stream: svc("selector: {app: web}\n"),
			want: []string{p + "ports: Required value"}},
		{name: "invalid cluster IP", stream: svc("clusterIP: 10.96.0.300\nports: [{port: 80}]\n"),
			want: []string{p + `clusterIPs[0]: Invalid value: "10.96.0.300": ` + ipMsg}},
		{name: "cluster IP with a leading zero", stream: svc("clusterIP: 10.96.0.010\nports: [{port: 80}]\n"),
			want: []string{p + `clusterIPs[0]: Invalid value: "10.96.0.010": must not have leading 0s`}},
		{name: "invalid external IP", stream: svc("externalIPs: [not-an-ip]\nports: [{port: 80}]\n"),
			want: []string{p + `externalIPs[0]: Invalid value: "not-an-ip": ` + ipMsg}},
		{name: "ExternalName missing", stream: svc("type: ExternalName\n"),
			want: []string{p + "externalName: Required value"}},
		{name: "ExternalName invalid", stream: svc("type: ExternalName\nexternalName: \"not a host!\"\n"),
			want: []string{p + `externalName: Invalid value: "not a host!": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{name: "nodePort on ClusterIP", stream: svc("ports: [{port: 80, nodePort: 30080}]\n"),
			want: []string{p + "ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"}},
		{name: "externalTrafficPolicy on ClusterIP", stream: svc("externalTrafficPolicy: Local\nports: [{port: 80}]\n"),
			want: []string{p + `externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`}},
		{name: "source ranges", stream: svc("type: LoadBalancer\nloadBalancerSourceRanges: [10.0.0.0/33]\nports: [{port: 80}]\n"),
			want: []string{p + `LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`}},
		{name: "source ranges on NodePort", stream: svc("type: NodePort\nloadBalancerSourceRanges: [10.0.0.0/8]\nports: [{port: 80}]\n"),
			want: []string{p + "LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"}},
		{name: "headless NodePort", stream: svc("type: NodePort\nclusterIP: None\nports: [{port: 80}]\n"),
			want: []string{p + `clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`}},
	})
}

// TestServiceNameByVersion checks that Service names follow DNS-1035
// before Kubernetes 1.36 and DNS-1123 labels from then on.
func TestServiceNameByVersion(t *testing.T) {
	const stream = "apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec:\n  ports: [{port: 80}]\n"
	for _, tt := range []struct {
		version string
		want    bool
	}{{"1.35", true}, {"1.36", false}, {"1.37", false}} {
		t.Run(tt.version, func(t *testing.T) {
			v, err := New(Options{KubernetesVersion: tt.version, MissingSchemas: MissingSchemasIgnore})
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, f := range v.Validate(t.Context(), decodeObjects(t, "svc.yaml", []byte(stream))) {
				if f.Rule == RuleName && strings.Contains(f.Message, "DNS-1035") {
					got = true
				}
			}
			if got != tt.want {
				t.Errorf("DNS-1035 finding = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDataRule checks schema/data against the API server's
// ValidateConfigMap and ValidateSecret, and that no Secret value shows.
func TestDataRule(t *testing.T) {
	cm := func(body string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n" + body
	}
	secret := func(typ, body string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: " + typ + "\n" + body
	}
	const keyMsg = `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`
	runMessageCases(t, []messageCase{
		{name: "valid ConfigMap", stream: cm("data: {app.yaml: x, KEY_1: y}\nbinaryData: {logo: aGk=}\n")},
		{name: "valid TLS Secret", stream: secret("kubernetes.io/tls", "data: {tls.crt: aGk=, tls.key: aGk=}\n")},
		{name: "valid dockerconfigjson in stringData", stream: secret("kubernetes.io/dockerconfigjson", "stringData: {.dockerconfigjson: '{\"auths\": {}}'}\n")},
		{name: "basic-auth with a password only", stream: secret("kubernetes.io/basic-auth", "stringData: {password: hunter2}\n")},
		{name: "SOPS-encrypted values", stream: secret("kubernetes.io/dockerconfigjson", "data: {.dockerconfigjson: 'ENC[AES256_GCM,data:KHCF,iv:q48l,tag:QRI2,type:str]'}\n")},
		{name: "key with a space", stream: cm("data: {my key: x}\n"),
			want: []string{`schema/data data[my key]: Invalid value: "my key": ` + keyMsg}},
		{name: "key with a slash", stream: secret("Opaque", "stringData: {conf/app.yaml: x}\n"),
			want: []string{`schema/data data[conf/app.yaml]: Invalid value: "conf/app.yaml": ` + keyMsg}},
		{name: "key in data and binaryData", stream: cm("data: {logo: x}\nbinaryData: {logo: aGk=}\n"),
			want: []string{`schema/data data[logo]: Invalid value: "logo": duplicate of key present in binaryData`}},
		{name: "not base64", stream: secret("Opaque", "data: {password: hunter2!}\n"),
			want: []string{`schema/data data[password]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 7`}},
		{name: "TLS without key", stream: secret("kubernetes.io/tls", "data: {tls.crt: aGk=}\n"),
			want: []string{"schema/data data[tls.key]: Required value"}},
		{name: "basic-auth without credentials", stream: secret("kubernetes.io/basic-auth", "data: {}\n"),
			want: []string{"schema/data data[password]: Required value", "schema/data data[username]: Required value"}},
		{name: "dockerconfigjson not JSON", stream: secret("kubernetes.io/dockerconfigjson", "stringData: {.dockerconfigjson: '{nope'}\n"),
			// The API server quotes the offending character; a secret's
			// character never leaves syncgate.
			want: []string{`schema/data data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": not valid JSON (at byte 2)`}},
		{name: "dockerconfigjson not an object", stream: secret("kubernetes.io/dockerconfigjson", "stringData: {.dockerconfigjson: '[\"s3cr3t\"]'}\n"),
			want: []string{`schema/data data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": not a JSON object`}},
		{name: "ssh-auth without key", stream: secret("kubernetes.io/ssh-auth", "stringData: {known_hosts: x}\n"),
			want: []string{"schema/data data[ssh-privatekey]: Required value"}},
	})
}

// TestTemplateMetaAndFinalizers checks a pod template's labels and
// annotations and the finalizers of built-in kinds.
func TestTemplateMetaAndFinalizers(t *testing.T) {
	cm := func(finalizers string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: " + finalizers + "}\n"
	}
	runMessageCases(t, []messageCase{
		{name: "standard and qualified finalizers", stream: cm("[kubernetes, foregroundDeletion, example.com/cleanup]")},
		{name: "finalizer without a domain", stream: cm("[cleanup]"),
			want: []string{`schema/metadata metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified`}},
		{name: "custom resource finalizer without a domain", stream: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, finalizers: [cleanup]}\n"},
		{name: "template label key", stream: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web, Tier_: front}}\n    spec:\n      containers: [{name: app, image: \"app:1\"}]\n",
			want: []string{`schema/label spec.template.labels: Invalid value: "Tier_": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`}},
		{name: "CronJob template annotation key", stream: "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        metadata: {annotations: {bad key: x}}\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: \"c:1\"}]\n",
			want: []string{`schema/annotation spec.jobTemplate.spec.template.annotations: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`}},
	})
}
