{{- define "shop.container" -}}
- name: app
  image: {{ .Values.image }}
  securityContext: {privileged: {{ .Values.privileged }}}
{{- end -}}
