package check

import (
	"encoding/json"
	"fmt"
)

// KubeletConfig is the part of a kubelet's configuration (kubelet.config.k8s.io/v1beta1
// KubeletConfiguration, as served by /configz) that the checks read. Pointers are nil when the
// kubelet did not report the field.
type KubeletConfig struct {
	Authentication struct {
		Anonymous struct {
			Enabled *bool `json:"enabled"`
		} `json:"anonymous"`
		Webhook struct {
			Enabled *bool `json:"enabled"`
		} `json:"webhook"`
	} `json:"authentication"`
	Authorization struct {
		Mode string `json:"mode"`
	} `json:"authorization"`
	ReadOnlyPort                *int32 `json:"readOnlyPort"`
	RotateCertificates          *bool  `json:"rotateCertificates"`
	ServerTLSBootstrap          *bool  `json:"serverTLSBootstrap"`
	PodPidsLimit                *int64 `json:"podPidsLimit"`
	ImageGCHighThresholdPercent *int32 `json:"imageGCHighThresholdPercent"`
	ImageGCLowThresholdPercent  *int32 `json:"imageGCLowThresholdPercent"`
	ImageMaximumGCAge           string `json:"imageMaximumGCAge"`
	SeccompDefault              *bool  `json:"seccompDefault"`
	ProtectKernelDefaults       *bool  `json:"protectKernelDefaults"`
	Logging                     struct {
		Verbosity *int32 `json:"verbosity"`
	} `json:"logging"`
}

// KubeletConfigResult is what reading one node's kubelet configuration gave.
type KubeletConfigResult struct {
	// Config is set when the configuration was read and parsed.
	Config *KubeletConfig
	// Err says why it could not be read; a check reports it as an Error finding for the node.
	Err string
}

// ParseConfigz parses the body of GET /api/v1/nodes/NAME/proxy/configz, which wraps the
// configuration as {"kubeletconfig": {...}}.
func ParseConfigz(body []byte) (*KubeletConfig, error) {
	var wrapper struct {
		KubeletConfig *KubeletConfig `json:"kubeletconfig"`
	}
	if err := json.Unmarshal(body, &wrapper); err != nil {
		return nil, fmt.Errorf("kubelet /configz is not JSON: %w", err)
	}
	if wrapper.KubeletConfig == nil {
		return nil, fmt.Errorf("kubelet /configz has no kubeletconfig object")
	}
	return wrapper.KubeletConfig, nil
}
