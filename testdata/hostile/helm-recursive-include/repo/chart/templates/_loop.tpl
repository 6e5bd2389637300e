{{- define "web.loop" -}}
{{ include "web.loop" . }}
{{- end -}}
