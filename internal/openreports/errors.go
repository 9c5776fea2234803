package openreports

import (
	"errors"

	"k8s.io/client-go/discovery"
)

// isDiscoveryMiss reports whether err comes from a failed discovery of the group, as the REST
// mapper returns it for a group the API server stopped serving.
func isDiscoveryMiss(err error) bool {
	var gdf *discovery.ErrGroupDiscoveryFailed
	return errors.As(err, &gdf)
}

func joinErrors(errs []error) error { return errors.Join(errs...) }
