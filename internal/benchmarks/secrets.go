package benchmarks

// SecretParams are the parameters of the SEC- checks.
type SecretParams struct{}

func defaultSecretParams() SecretParams { return SecretParams{} }

// secretChecks returns the SEC- checks: secrets, certificates and rotation.
func secretChecks() []Check {
	return []Check{}
}
