{{- define "syncgate.labels" -}}
app.kubernetes.io/name: syncgate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: syncgate
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "syncgate.selector" -}}
app.kubernetes.io/name: syncgate
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "syncgate.fullname" -}}
{{- if eq .Release.Name "syncgate" -}}syncgate{{- else -}}{{ printf "%s-syncgate" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
