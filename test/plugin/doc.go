// Package plugin tests the krew manifest of the kubectl plugin `kubectl posture`.
package plugin
