package netpol

import (
	"fmt"
	"strings"
	"unicode"
)

// calicoSelector is a parsed Calico label selector expression. Calico publishes no Go module
// that can be imported on its own, so the grammar of its documentation is read here: all(),
// global(), has(k), k == 'v', k != 'v', k in {'a','b'}, k not in {…}, k contains 'v',
// k starts with 'v', k ends with 'v', !, && and || with parentheses. Anything else is an error.
type calicoSelector struct {
	eval func(l map[string]string) bool
	all  bool
}

func (c calicoSelector) matches(l map[string]string) bool { return c.eval(l) }

// selectsAll reports whether the selector is all() (or empty), which selects every endpoint.
func (c calicoSelector) selectsAll() bool { return c.all }

func parseCalicoSelector(text string) (calicoSelector, error) {
	if strings.TrimSpace(text) == "" {
		return calicoSelector{eval: func(map[string]string) bool { return true }, all: true}, nil
	}
	p := &calicoParser{in: text}
	e, all, err := p.or()
	if err != nil {
		return calicoSelector{}, err
	}
	if p.skip(); p.pos < len(p.in) {
		return calicoSelector{}, fmt.Errorf("unexpected %q at offset %d", p.in[p.pos:], p.pos)
	}
	return calicoSelector{eval: e, all: all}, nil
}

type calicoParser struct {
	in  string
	pos int
}

type calicoExpr = func(map[string]string) bool

func (p *calicoParser) skip() {
	for p.pos < len(p.in) && unicode.IsSpace(rune(p.in[p.pos])) {
		p.pos++
	}
}

// accept consumes tok when it comes next.
func (p *calicoParser) accept(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.in[p.pos:], tok) {
		// A word operator must end at a word boundary: "in" is not the start of "inside".
		end := p.pos + len(tok)
		if isCalicoWord(tok) && end < len(p.in) && isCalicoKeyChar(p.in[end]) {
			return false
		}
		p.pos = end
		return true
	}
	return false
}

func isCalicoWord(tok string) bool { return tok != "" && unicode.IsLetter(rune(tok[len(tok)-1])) }

func isCalicoKeyChar(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '/' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

func (p *calicoParser) or() (calicoExpr, bool, error) {
	left, all, err := p.and()
	if err != nil {
		return nil, false, err
	}
	for p.accept("||") {
		right, rall, err := p.and()
		if err != nil {
			return nil, false, err
		}
		l, r := left, right
		left, all = func(m map[string]string) bool { return l(m) || r(m) }, all || rall
	}
	return left, all, nil
}

func (p *calicoParser) and() (calicoExpr, bool, error) {
	left, all, err := p.unary()
	if err != nil {
		return nil, false, err
	}
	for p.accept("&&") {
		right, rall, err := p.unary()
		if err != nil {
			return nil, false, err
		}
		l, r := left, right
		left, all = func(m map[string]string) bool { return l(m) && r(m) }, all && rall
	}
	return left, all, nil
}

func (p *calicoParser) unary() (calicoExpr, bool, error) {
	if p.accept("!") {
		e, _, err := p.unary()
		if err != nil {
			return nil, false, err
		}
		return func(m map[string]string) bool { return !e(m) }, false, nil
	}
	if p.accept("(") {
		e, all, err := p.or()
		if err != nil {
			return nil, false, err
		}
		if !p.accept(")") {
			return nil, false, fmt.Errorf("missing ) at offset %d", p.pos)
		}
		return e, all, nil
	}
	if p.accept("all()") || p.accept("global()") {
		return func(map[string]string) bool { return true }, true, nil
	}
	if p.accept("has(") {
		k := p.key()
		if k == "" || !p.accept(")") {
			return nil, false, fmt.Errorf("has() needs one label key, at offset %d", p.pos)
		}
		return func(m map[string]string) bool { _, ok := m[k]; return ok }, false, nil
	}
	k := p.key()
	if k == "" {
		return nil, false, fmt.Errorf("expected a label key at offset %d", p.pos)
	}
	switch {
	case p.accept("=="):
		v, err := p.str()
		return func(m map[string]string) bool { got, ok := m[k]; return ok && got == v }, false, err
	case p.accept("!="):
		v, err := p.str()
		return func(m map[string]string) bool { return m[k] != v }, false, err
	case p.accept("not in"):
		set, err := p.set()
		return func(m map[string]string) bool { got, ok := m[k]; return !ok || !set[got] }, false, err
	case p.accept("in"):
		set, err := p.set()
		return func(m map[string]string) bool { got, ok := m[k]; return ok && set[got] }, false, err
	case p.accept("contains"):
		v, err := p.str()
		return func(m map[string]string) bool { got, ok := m[k]; return ok && strings.Contains(got, v) }, false, err
	case p.accept("starts with"):
		v, err := p.str()
		return func(m map[string]string) bool { got, ok := m[k]; return ok && strings.HasPrefix(got, v) }, false, err
	case p.accept("ends with"):
		v, err := p.str()
		return func(m map[string]string) bool { got, ok := m[k]; return ok && strings.HasSuffix(got, v) }, false, err
	}
	return nil, false, fmt.Errorf("expected an operator after %q at offset %d", k, p.pos)
}

func (p *calicoParser) key() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.in) && isCalicoKeyChar(p.in[p.pos]) {
		p.pos++
	}
	return p.in[start:p.pos]
}

func (p *calicoParser) str() (string, error) {
	p.skip()
	if p.pos >= len(p.in) || (p.in[p.pos] != '\'' && p.in[p.pos] != '"') {
		return "", fmt.Errorf("expected a quoted value at offset %d", p.pos)
	}
	q := p.in[p.pos]
	end := strings.IndexByte(p.in[p.pos+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at offset %d", p.pos)
	}
	v := p.in[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

func (p *calicoParser) set() (map[string]bool, error) {
	if !p.accept("{") {
		return nil, fmt.Errorf("expected { at offset %d", p.pos)
	}
	out := map[string]bool{}
	if p.accept("}") {
		return out, nil
	}
	for {
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		out[v] = true
		if p.accept("}") {
			return out, nil
		}
		if !p.accept(",") {
			return nil, fmt.Errorf("expected , or } at offset %d", p.pos)
		}
	}
}
