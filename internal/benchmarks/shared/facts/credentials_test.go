package facts

import (
	"strings"
	"testing"
)

// A private Key in PEM, generated for this test and used nowhere.
const testPEMKey = `-----BEGIN RSA PRIVATE KEY-----
MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm
o3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k
TQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp7
9mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uy
v/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs
/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00
-----END RSA PRIVATE KEY-----
`

func TestCredentialIn(t *testing.T) {
	tests := []struct {
		name, key, value string
		want             string // a substring of the reason; "" means no credential
	}{
		// Values recognised by the secret rules, whatever the name.
		{"PEM private key", "server.key", testPEMKey, "private-key"},
		{"AWS access key", "AWS_ACCESS_KEY_ID", "AKIAQYLPMN5HHHFPZAM2", "aws-access-token"},
		{"AWS access key under a neutral name", "ACCOUNT", "AKIAQYLPMN5HHHFPZAM2", "aws-access-token"},
		{"bearer token", "AUTH_HEADER", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt"},
		{"GitHub token", "GH", "ghp_1a2b3c4d5e6f7g8h9i0jklmnopqrstuvwxyzAB", "github-pat"},
		{"Slack token", "NOTIFY", "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx", "slack"},
		// Names that say credential, with a value that could be one.
		{"password", "db_password", "hunter2", "credential-like name"},
		{"Azure batch key", "AZURE_BATCH_KEY", "batchkey1", "credential-like name"},
		{"OCI key content", "OCI_CLI_KEY_CONTENT", "ocikey", "credential-like name"},
		{"camelCase secret", "clientSecret", "s3cr3t-value", "credential-like name"},
		{"api key", "API-KEY", "abc123", "credential-like name"},
		// NAME=secret inside a value.
		{"flag in a command", "ARGS", "--verbose --password=hunter2 --port=8080", "password=… inside the value"},
		{"properties file", "application.properties", "server.port=8080\nspring.datasource.password=hunter2\n", "spring.datasource.password=… inside the value"},
		{"YAML file", "config.yaml", "db:\n  host: postgres\n  password: hunter2\n", "password=… inside the value"},
		{"URL with a password", "DATABASE_URL", "postgres://app:hunter2@db:5432/app", "URL with a password"},
		// Identifiers and values that are plainly not credentials.
		{"etcd cluster token", "ETCD_INITIAL_CLUSTER_TOKEN", "etcd-cluster-1", ""},
		{"password policy URL", "password_policy_url", "https://wiki.example.com/password-policy", ""},
		{"secret name", "TLS_SECRET_NAME", "web-tls", ""},
		{"secret file", "DB_PASSWORD_FILE", "/run/secrets/db", ""},
		{"token TTL", "TOKEN_TTL", "3600", ""},
		{"password flag off", "PASSWORD_AUTH", "false", ""},
		{"variable reference", "DB_PASSWORD", "${DB_PASSWORD}", ""},
		{"empty", "DB_PASSWORD", "", ""},
		{"primary key", "primary_key", "order_id", ""},
		{"key id", "KMS_KEY_ID", "alias/orders", ""},
		{"plain setting", "LOG_LEVEL", "info", ""},
		{"passthrough", "TLS_PASSTHROUGH", "enabled", ""},
		{"bypass", "BYPASS_CACHE", "always", ""},
		{"URL without password", "UPSTREAM", "https://user@api.example.com/v1?token_url=https://x", ""},
		{"plain config file", "nginx.conf", "worker_processes 2;\nerror_log /dev/stderr info;\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CredentialIn(tt.key, tt.value, false)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && got != "":
				t.Errorf("credentialIn(%q) = %q, want no credential", tt.key, got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("credentialIn(%q) = %q, want a reason containing %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestCredentialInAllowlistedNameKeepsRules(t *testing.T) {
	if got, _ := CredentialIn("DB_PASSWORD", "hunter2", true); got != "" {
		t.Errorf("an allowlisted name is still reported by name: %q", got)
	}
	if got, _ := CredentialIn("AWS_KEY_PATH", "AKIAQYLPMN5HHHFPZAM2", true); !strings.Contains(got, "aws-access-token") {
		t.Errorf("a rule match under an allowlisted name is lost: %q", got)
	}
}

func BenchmarkCredentialIn(b *testing.B) {
	if _, err := secretDetector(); err != nil {
		b.Fatal(err)
	}
	dashboard := strings.Repeat(`{"datasource":{"type":"prometheus","uid":"P1809F7CD0C75ACF3"},"expr":"sum(rate(http_requests_total{job=\"api\"}[5m]))","refId":"A"},`, 100)
	cases := map[string][2]string{
		"env":             {"LOG_LEVEL", "info"},
		"env-password":    {"DB_PASSWORD", "hunter2"},
		"file-16KiB":      {"dashboard.json", dashboard},
		"properties-1KiB": {"app.properties", strings.Repeat("server.port=8080\n", 60)},
	}
	for name, c := range cases {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(c[1])))
			for b.Loop() {
				if _, err := CredentialIn(c[0], c[1], false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
