package cpflags

import (
	"maps"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		argv []string
		want map[string]string
	}{
		{"equals form", []string{"kube-apiserver", "--authorization-mode=Node,RBAC", "--v=2"},
			map[string]string{"authorization-mode": "Node,RBAC", "v": "2"}},
		{"separate value", []string{"kube-apiserver", "--audit-log-path", "/var/log/audit.log"},
			map[string]string{"audit-log-path": "/var/log/audit.log"}},
		{"a flag alone is true", []string{"--profiling", "--anonymous-auth=false", "--allow-privileged"},
			map[string]string{"profiling": "true", "anonymous-auth": "false", "allow-privileged": "true"}},
		{"empty value", []string{"--token-auth-file="}, map[string]string{"token-auth-file": ""}},
		{"value with equals signs", []string{"--admission-control-config-file=/a=b"}, map[string]string{"admission-control-config-file": "/a=b"}},
		{"the last use wins", []string{"--v=2", "--v=4"}, map[string]string{"v": "4"}},
		{"single dash, as etcd accepts", []string{"etcd", "-client-cert-auth=true", "-v", "3"},
			map[string]string{"client-cert-auth": "true", "v": "3"}},
		{"arguments that are not flags are skipped", []string{"kube-apiserver", "serve", "--secure-port=6443", "extra"},
			map[string]string{"secure-port": "6443"}},
		// Where pflag differs from the parser it replaced: "--" ends the flags, as in the components.
		{"reading stops at --", []string{"--v=2", "--", "--profiling"}, map[string]string{"v": "2"}},
		{"none", nil, map[string]string{}},
	}
	for _, tc := range cases {
		if got := Parse(tc.argv); !maps.Equal(got, tc.want) {
			t.Errorf("%s: Parse(%q) = %v, want %v", tc.name, tc.argv, got, tc.want)
		}
	}
}
