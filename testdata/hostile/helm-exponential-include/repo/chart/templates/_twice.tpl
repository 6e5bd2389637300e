{{- define "web.twice" -}}
{{- if lt (int .) 64 -}}
{{ include "web.twice" (add1 .) }}{{ include "web.twice" (add1 .) }}
{{- else -}}
x
{{- end -}}
{{- end -}}
