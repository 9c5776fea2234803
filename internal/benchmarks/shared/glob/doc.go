// Package glob is the one home of the name patterns the checks accept. Three dialects exist
// because three kinds of configuration are matched, each with the semantics of the tool that
// reads it: Match is path.Match (profile parameters, exemptions; * stays within a path
// segment), Wildcard is Kyverno's and Gatekeeper's (* crosses slashes, ? is one character) and
// Sigstore is the Sigstore policy-controller's (* within a segment, ** across segments).
package glob
