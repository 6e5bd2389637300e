package validate

import "testing"

// TestMetadataName checks that an object needs a name or a generateName,
// as the API server says when it creates it.
func TestMetadataName(t *testing.T) {
	runMessageCases(t, []messageCase{
		{name: "generateName alone", stream: `
apiVersion: batch/v1
kind: Job
metadata: {generateName: db-migrate-}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "migrate:1"}]
`},
		{name: "neither", stream: "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n",
			want: []string{"schema/name metadata.name: Required value: name or generateName is required"}},
		{name: "no metadata", stream: "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n",
			want: []string{"schema/name metadata.name: Required value: name or generateName is required"}},
		{name: "bad generateName", stream: "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: Cfg_}\n",
			want: []string{`schema/name metadata.generateName: Invalid value: "Cfg_": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{name: "name wins over generateName", stream: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Cfg, generateName: cfg-}\n",
			want: []string{`schema/name metadata.name: Invalid value: "Cfg": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{name: "generated CronJob name too long", stream: `
apiVersion: batch/v1
kind: CronJob
metadata: {generateName: a-cron-job-prefix-long-enough-to-pass-the-limit-}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: job, image: "busybox:1"}]
`, want: []string{`schema/name metadata.name: Invalid value: "a-cron-job-prefix-long-enough-to-pass-the-limit-x7b2k": must be no more than 52 characters`}},
	})
}
