package manifest

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// errGeneralPath marks a document the direct YAML-to-JSON writer leaves to nodeValue: one with
// anchors and aliases, merge keys or a key given twice, whose meaning depends on more than one
// node.
var errGeneralPath = errors.New("document needs the general decoder")

// appendJSON appends the JSON that nodeValue followed by json.Marshal would give for the node,
// without building the intermediate maps: the scalars are read exactly as nodeValue reads them
// (YAML 1.1 booleans, timestamps as written), only the order of keys differs, which no decoder
// of the result can tell.
func appendJSON(buf []byte, n *yaml.Node, depth int) ([]byte, error) {
	if depth > 1000 {
		return buf, errGeneralPath
	}
	switch n.Kind {
	case yaml.MappingNode:
		if hasRepeatedKey(n) {
			return buf, errGeneralPath
		}
		buf = append(buf, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return buf, errGeneralPath
			}
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, jsonKey(k))
			buf = append(buf, ':')
			var err error
			if buf, err = appendJSON(buf, v, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, '}'), nil
	case yaml.SequenceNode:
		buf = append(buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSON(buf, c, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, ']'), nil
	case yaml.ScalarNode:
		return appendScalar(buf, n)
	}
	return buf, errGeneralPath // aliases and anything unexpected
}

// hasRepeatedKey reports whether a mapping gives a key twice (a later one wins in kubectl).
func hasRepeatedKey(n *yaml.Node) bool {
	pairs := len(n.Content) / 2
	if pairs <= 16 {
		for i := 0; i < pairs; i++ {
			for j := i + 1; j < pairs; j++ {
				if jsonKey(n.Content[2*i]) == jsonKey(n.Content[2*j]) {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, pairs)
	for i := 0; i < pairs; i++ {
		k := jsonKey(n.Content[2*i])
		if _, dup := seen[k]; dup {
			return true
		}
		seen[k] = struct{}{}
	}
	return false
}

// jsonKey is the JSON key a scalar mapping key becomes, as keyString gives it.
func jsonKey(k *yaml.Node) string {
	if k.Tag == "!!null" {
		return "null"
	}
	return k.Value
}

func appendScalar(buf []byte, n *yaml.Node) ([]byte, error) {
	switch n.Tag {
	case "!!str", "!!binary":
		if n.Style == 0 {
			if b, ok := yaml11Bools[n.Value]; ok {
				return strconv.AppendBool(buf, b), nil
			}
		}
		return appendJSONString(buf, n.Value), nil
	case "!!timestamp":
		return appendJSONString(buf, n.Value), nil
	case "!!null":
		return append(buf, "null"...), nil
	case "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			return append(buf, "true"...), nil
		case "false", "False", "FALSE":
			return append(buf, "false"...), nil
		}
	case "!!int":
		if isJSONInteger(n.Value) {
			return append(buf, n.Value...), nil
		}
	}
	// Other integers (0x1F, 0o17, +5), floats and custom tags: as nodeValue reads them.
	v, err := scalarValue(n)
	if err != nil {
		return buf, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return buf, err
	}
	return append(buf, b...), nil
}

// isJSONInteger reports whether s is a decimal integer written as JSON writes it, which YAML
// reads as the same number.
func isJSONInteger(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as encoding/json
// writes it.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
