package benchmarks

// LoggingParams are the parameters of the LOG- checks.
type LoggingParams struct{}

func defaultLoggingParams() LoggingParams { return LoggingParams{} }

// loggingChecks returns the LOG- checks: logging and monitoring.
func loggingChecks() []Check {
	return []Check{}
}
