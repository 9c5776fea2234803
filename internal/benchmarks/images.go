package benchmarks

// ImageParams are the parameters of the IMG- checks.
type ImageParams struct{}

func defaultImageParams() ImageParams { return ImageParams{} }

// imageChecks returns the IMG- checks: images and registries.
func imageChecks() []Check {
	return []Check{}
}
