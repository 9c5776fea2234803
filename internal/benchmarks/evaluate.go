package benchmarks

import (
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
)

// Exemption accepts the findings of one check, optionally limited by namespace and name pattern.
type Exemption struct {
	CheckID   string
	Namespace string
	Name      string
	Reason    string
	Expires   *time.Time
}

// Attestation records that a person vouches for an item until Expires.
type Attestation struct {
	ItemID   string
	Owner    string
	Evidence string
	Expires  time.Time
}

// Options select the checks of one audit and the accepted findings.
type Options struct {
	// Level is the target level; checks above it do not run.
	Level check.Level
	// Include, when not empty, runs only these check IDs and domains.
	Include []string
	// Exclude never runs these check IDs and domains.
	Exclude []string
	// Exemptions accept findings; expired ones are reported and not applied.
	Exemptions []Exemption
	// Attestations turn Manual findings of the attested check into passes until they expire.
	Attestations []Attestation
}

// CheckReport is the outcome of one check.
type CheckReport struct {
	Check *check.Check
	// Result is the check's result at the target level.
	Result check.Result
	// Message explains the result in one line.
	Message string
	// Findings are the findings that are not Pass, sorted, with exemptions applied.
	Findings []check.Finding
	// Offending counts findings with the result Fail or Error.
	Offending int
	// Exempted counts findings accepted by an exemption.
	Exempted int
	// ByLevel holds the result at each level from the check's level up to the target, for
	// level-dependent checks; other checks have the same result at every level.
	ByLevel map[check.Level]check.Result
}

// ResultAt returns the check's result when the target is lvl.
func (c *CheckReport) ResultAt(lvl check.Level) check.Result {
	if r, ok := c.ByLevel[lvl]; ok {
		return r
	}
	return c.Result
}

// Summary counts checks by result and failing checks by severity.
type Summary struct {
	Total            int
	ByResult         map[check.Result]int
	FailedBySeverity map[check.Severity]int
}

// Report is the outcome of one audit.
type Report struct {
	Level  check.Level
	Checks []CheckReport
	// Achieved is the highest level whose every check passes; 0 when L1 is not met or when no
	// check applies (see Applicable).
	Achieved check.Level
	// Applicable counts checks whose result speaks to compliance (not NotApplicable or Skipped).
	Applicable int
	// Score is 0–100, weighted by severity; -1 when no check applies.
	Score int
	// Summary counts the results.
	Summary Summary
	// ExpiredExemptions are exemptions past their expiry, no longer applied.
	ExpiredExemptions []Exemption
	// ExpiredAttestations are attestations past their expiry, no longer applied.
	ExpiredAttestations []Attestation
	// UnknownSelectors name the well-formed IDs of Include, Exclude, Exemptions and Attestations
	// that no check of the catalog has, such as "include WKL-999": they select nothing.
	UnknownSelectors []string
}

// unknownSelectors returns the selectors of opts that name no check and no domain of checks.
func unknownSelectors(checks []check.Check, opts Options) []string {
	known := map[string]bool{}
	for _, c := range checks {
		known[c.ID] = true
		known[string(c.Domain)] = true
	}
	for _, d := range check.Domains {
		known[string(d)] = true
	}
	var out []string
	seen := map[string]bool{}
	note := func(what, id string) {
		if !known[id] && !seen[what+" "+id] {
			seen[what+" "+id] = true
			out = append(out, what+" "+id)
		}
	}
	for _, id := range opts.Include {
		note("checks.include", id)
	}
	for _, id := range opts.Exclude {
		note("checks.exclude", id)
	}
	for _, e := range opts.Exemptions {
		note("exemption of", e.CheckID)
	}
	for _, a := range opts.Attestations {
		note("attestation of", a.ItemID)
	}
	return out
}

// Compliant reports whether the target level is achieved with at least one applicable check.
func (r *Report) Compliant() bool { return r.Applicable > 0 && r.Achieved >= r.Level }

// Select returns the checks that run for opts: level at most opts.Level, included and not
// excluded, sorted by ID.
func Select(checks []check.Check, opts Options) []check.Check {
	var out []check.Check
	for _, c := range checks {
		if c.Level > opts.Level {
			continue
		}
		if len(opts.Include) > 0 && !matchesAny(c, opts.Include) {
			continue
		}
		if matchesAny(c, opts.Exclude) {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func matchesAny(c check.Check, selectors []string) bool {
	for _, s := range selectors {
		if s == c.ID || s == string(c.Domain) {
			return true
		}
	}
	return false
}

// Evaluate runs the checks selected by opts on the snapshot, with the time, parameters and scope
// of env, and computes the level and score. It modifies neither the snapshot nor env: each check
// sees a copy of env whose Level is the level evaluated (opts.Level, and the levels below it for
// level-dependent checks); env.Level is not read.
func Evaluate(s *check.Snapshot, env check.Env, checks []check.Check, opts Options) Report {
	env.Prepare(s)
	rep := Report{Level: opts.Level, Summary: Summary{ByResult: map[check.Result]int{}, FailedBySeverity: map[check.Severity]int{}}}
	active, expired := splitExemptions(opts.Exemptions, env.Now)
	rep.ExpiredExemptions = expired
	rep.UnknownSelectors = unknownSelectors(checks, opts)
	attested := map[string]Attestation{}
	for _, a := range opts.Attestations {
		if a.Expires.After(env.Now) {
			attested[a.ItemID] = a
		} else {
			rep.ExpiredAttestations = append(rep.ExpiredAttestations, a)
		}
	}

	rep.Checks = evaluateChecks(s, &env, Select(checks, opts), opts.Level, active, attested)

	weightMet, weightAll := 0, 0
	for i := range rep.Checks {
		cr := &rep.Checks[i]
		rep.Summary.Total++
		rep.Summary.ByResult[cr.Result]++
		if cr.Result == check.Fail || cr.Result == check.Error {
			rep.Summary.FailedBySeverity[cr.Check.Severity]++
		}
		switch cr.Result {
		case check.Pass:
			weightMet += cr.Check.Severity.Weight()
			weightAll += cr.Check.Severity.Weight()
			rep.Applicable++
		case check.Fail, check.Error, check.Manual:
			weightAll += cr.Check.Severity.Weight()
			rep.Applicable++
		case check.Exempted:
			rep.Applicable++
		}
	}
	rep.Score = -1
	if weightAll > 0 {
		rep.Score = weightMet * 100 / weightAll
	} else if rep.Applicable > 0 {
		rep.Score = 100
	}
	if rep.Applicable > 0 {
		rep.Achieved = achievedLevel(rep.Checks, opts.Level)
	}
	return rep
}

func achievedLevel(reports []CheckReport, target check.Level) check.Level {
	achieved := check.Level(0)
	for lvl := check.L1; lvl <= target; lvl++ {
		for i := range reports {
			if reports[i].Check.Level <= lvl && reports[i].ResultAt(lvl).Blocks() {
				return achieved
			}
		}
		achieved = lvl
	}
	return achieved
}

func splitExemptions(all []Exemption, now time.Time) (active, expired []Exemption) {
	for _, e := range all {
		if e.Expires != nil && !e.Expires.After(now) {
			expired = append(expired, e)
			continue
		}
		active = append(active, e)
	}
	return active, expired
}

// evaluateAt runs one check at one level, turning a panic into an Error result.
func evaluateAt(s *check.Snapshot, base *check.Env, c *check.Check, lvl check.Level, exemptions []Exemption, attested map[string]Attestation) CheckReport {
	env := *base // shares the parameters, the scope and its values; only the level differs
	env.Level = lvl
	cr := CheckReport{Check: c}
	if msg := s.UnreadMessage(); msg != "" {
		cr.Result, cr.Message = check.Skipped, check.Truncate(msg, 512)
		cr.Findings = []check.Finding{check.Skippedf("%s", msg)}
		return cr
	}
	findings, err := safeEvaluate(c, s, &env)
	if err != nil {
		cr.Result = check.Error
		cr.Message = check.Truncate(err.Error(), 512)
		cr.Findings = []check.Finding{{Result: check.Error, Message: cr.Message}}
		cr.Offending = 1
		return cr
	}
	result := check.Pass
	for _, f := range findings {
		if f.Result == check.Pass {
			continue
		}
		if f.Result == check.Fail || f.Result == check.Error {
			if e, ok := exemptionFor(c.ID, f.Object, exemptions); ok {
				f.Result = check.Exempted
				f.Message = fmt.Sprintf("%s (exempted: %s)", f.Message, e.Reason)
			}
		}
		if f.Result == check.Manual {
			if _, ok := attested[c.ID]; ok {
				continue // attested: counts as a pass
			}
		}
		switch f.Result {
		case check.Fail, check.Error:
			cr.Offending++
		case check.Exempted:
			cr.Exempted++
		}
		if f.Result.Rank() > result.Rank() || (result == check.Pass && f.Result == check.NotApplicable) {
			result = f.Result
		}
		cr.Findings = append(cr.Findings, f)
	}
	if result == check.NotApplicable && hasResult(cr.Findings, check.Exempted) {
		result = check.Exempted
	}
	// Checks mostly report in the order of the sorted workloads, so the findings are often
	// sorted already; checking that is one pass, sorting them again is n·log n comparisons.
	if !slices.IsSortedFunc(cr.Findings, compareFindings) {
		slices.SortStableFunc(cr.Findings, compareFindings)
	}
	cr.Result = result
	cr.Message = summarize(c, result, cr, attested)
	return cr
}

// compareFindings orders findings by decreasing rank of result, then by object.
func compareFindings(a, b check.Finding) int {
	if ra, rb := a.Result.Rank(), b.Result.Rank(); ra != rb {
		return rb - ra
	}
	switch {
	case check.RefLess(a.Object, b.Object):
		return -1
	case check.RefLess(b.Object, a.Object):
		return 1
	}
	return 0
}

func hasResult(fs []check.Finding, r check.Result) bool {
	for _, f := range fs {
		if f.Result == r {
			return true
		}
	}
	return false
}

func safeEvaluate(c *check.Check, s *check.Snapshot, env *check.Env) (findings []check.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			stack := strings.SplitN(string(debug.Stack()), "\n", 12)
			err = fmt.Errorf("check %s failed while evaluating: %v (%s)", c.ID, r, strings.TrimSpace(stack[len(stack)-1]))
		}
	}()
	if c.Evaluate == nil {
		return nil, fmt.Errorf("check %s has no Evaluate function", c.ID)
	}
	return c.Evaluate(s, env), nil
}

func exemptionFor(checkID string, obj check.ObjectRef, exemptions []Exemption) (Exemption, bool) {
	for _, e := range exemptions {
		if e.CheckID != checkID {
			continue
		}
		if e.Namespace != "" && e.Namespace != "*" && e.Namespace != obj.Namespace {
			continue
		}
		if e.Name != "" && !glob.Match(e.Name, obj.Name) {
			continue
		}
		return e, true
	}
	return Exemption{}, false
}

func summarize(c *check.Check, result check.Result, cr CheckReport, attested map[string]Attestation) string {
	switch result {
	case check.Pass:
		if a, ok := attested[c.ID]; ok && len(cr.Findings) == 0 {
			return check.Truncate(fmt.Sprintf("Attested by %s until %s: %s", a.Owner, a.Expires.UTC().Format(time.DateOnly), a.Evidence), 512)
		}
		return "No violations found."
	case check.Exempted:
		return fmt.Sprintf("All %d findings are exempted.", cr.Exempted)
	}
	var first string
	for _, f := range cr.Findings {
		if f.Result == result {
			first = f.Message
			if f.Object.Name != "" {
				first = f.Object.String() + ": " + first
			}
			break
		}
	}
	if cr.Offending > 1 {
		return check.Truncate(fmt.Sprintf("%d objects: %s (and %d more)", cr.Offending, first, cr.Offending-1), 512)
	}
	return check.Truncate(first, 512)
}
