package manifest

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

// yaml11Bools are the plain scalars YAML 1.1 reads as booleans. kubectl reads manifests with a
// YAML 1.1 parser (sigs.k8s.io/yaml), so `privileged: yes` is true when applied; go.yaml.in/yaml/v3
// alone would read the string "yes".
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

// nodeValue converts a YAML node to the JSON-shaped value kubectl would send: maps with string
// keys, YAML 1.1 booleans, timestamps kept as the strings they were written as, merge keys
// applied and aliases followed. A later duplicate key wins, as in kubectl.
func nodeValue(n *yaml.Node, depth int) (any, error) {
	if depth > 1000 {
		return nil, fmt.Errorf("line %d: nested too deeply", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		var merged []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				merged = append(merged, v)
				continue
			}
			key, err := keyString(k)
			if err != nil {
				return nil, err
			}
			val, err := nodeValue(v, depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = val
		}
		// Merged mappings fill in only the keys the mapping does not set itself.
		for _, m := range merged {
			sources := []*yaml.Node{m}
			if m.Kind == yaml.AliasNode {
				sources = []*yaml.Node{m.Alias}
			}
			if m.Kind == yaml.SequenceNode {
				sources = m.Content
			}
			for _, src := range sources {
				sv, err := nodeValue(src, depth+1)
				if err != nil {
					return nil, err
				}
				sm, ok := sv.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("line %d: a merge key needs a mapping", m.Line)
				}
				for k, v := range sm {
					if _, set := out[k]; !set {
						out[k] = v
					}
				}
			}
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func keyString(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
	}
	if k.Tag == "!!null" {
		return "null", nil
	}
	return k.Value, nil
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!!str", "!!binary":
		if n.Style == 0 {
			if b, ok := yaml11Bools[n.Value]; ok {
				return b, nil
			}
		}
		return n.Value, nil
	case "!!timestamp":
		return n.Value, nil
	case "!!null":
		return nil, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	return v, nil
}
