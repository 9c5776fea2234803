package facts

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
)

// Credential detection combines two sources. Values are scanned with gitleaks' default rule
// set (cloud access keys, private keys, bearer tokens, vendor tokens and its generic
// high-entropy assignment rule), compiled once per process. Names are judged by word: a Key or
// variable, or a NAME=value assignment inside a value, whose name says it holds a password,
// secret, token or Key and whose value could be one. Only rule IDs and names are kept; the
// matched text is dropped as soon as a rule has been found.

// secretDetector returns the gitleaks detector with the default rules; building it costs about
// 15 MiB of compiled expressions and 50 ms, so it is built on first use and shared.
var secretDetector = sync.OnceValues(func() (*detect.Detector, error) {
	// gitleaks logs matches it skips at debug level; nothing of a scanned value may reach a log.
	logging.Logger = zerolog.Nop()
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		return nil, fmt.Errorf("reading the gitleaks default rules: %w", err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return nil, fmt.Errorf("reading the gitleaks default rules: %w", err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		return nil, fmt.Errorf("compiling the gitleaks default rules: %w", err)
	}
	return detect.NewDetector(cfg), nil
})

// secretRules returns the IDs of the gitleaks rules that match text, sorted and unique.
func secretRules(text string) ([]string, error) {
	d, err := secretDetector()
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range d.DetectString(text) {
		if !slices.Contains(ids, f.RuleID) {
			ids = append(ids, f.RuleID)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// credentialIn explains why a named value holds a credential, or returns "". A single-line value
// is scanned together with its name, so the generic assignment rule sees the name; a file's
// content is scanned on its own. ignoreName drops the name heuristic (the name is allowlisted)
// but keeps the rules, which judge the value.
func CredentialIn(name, value string, ignoreName bool) (string, error) {
	if strings.TrimSpace(value) == "" {
		return "", nil
	}
	text := value
	if !strings.Contains(value, "\n") {
		text = name + "=" + value
	}
	rules, err := secretRules(text)
	if err != nil {
		return "", err
	}
	if len(rules) > 0 {
		return "matches secret rule " + strings.Join(rules, ", "), nil
	}
	if !ignoreName && credentialName(name) && plausibleCredential(value) {
		return "credential-like name", nil
	}
	if passwordURL.MatchString(value) {
		return "holds a URL with a password", nil
	}
	if inner := embeddedCredential(value); inner != "" {
		return fmt.Sprintf("holds %s=… inside the value", inner), nil
	}
	return "", nil
}

// passwordURL matches a URL whose user information carries a password.
var passwordURL = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@[^\s]`)

// embeddedAssignment finds NAME=value and NAME: value pairs inside a value, such as a
// properties file, a connection string or command-line flags. Its bounded repetitions compile
// to a large program, so it is compiled when a value is first inspected rather than at start.
var embeddedAssignment = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)(?:^|[\s;&,?{(]|--?)([A-Za-z][A-Za-z0-9_.-]{1,63})\s*[=:]\s*["']?([^\s"'&;,]{1,256})`)
})

// embeddedCredential returns the name of the first assignment inside value whose name says
// credential and whose value could be one, or "".
func embeddedCredential(value string) string {
	for _, m := range embeddedAssignment().FindAllStringSubmatch(value, 64) {
		if credentialName(m[1]) && plausibleCredential(m[2]) {
			return m[1]
		}
	}
	return ""
}

// credentialWords say on their own that a name holds a credential; a word containing one of the
// first group also does (dbpassword, clientsecret).
var (
	credentialSubwords = []string{"password", "passwd", "passphrase", "secret", "credential"}
	credentialWords    = []string{"pass", "pwd", "token", "apikey", "privatekey", "accesskey", "secretkey", "authkey", "sas"}
	// identifierWords end a name that refers to a credential or describes it, but does not hold
	// it: DB_PASSWORD_FILE, secretName, TOKEN_TTL, password_policy_url.
	identifierWords = []string{
		"name", "names", "file", "path", "dir", "url", "uri", "ref", "id", "ids", "endpoint", "policy", "length",
		"type", "mode", "enabled", "ttl", "expiry", "expiration", "timeout", "header", "location", "provider",
		"mount", "namespace", "format", "size", "bits", "algorithm", "alg", "prefix", "version", "hash",
	}
	// nonSecretKeyWords qualify "Key" as something other than a credential: primary Key,
	// public Key, sort Key.
	nonSecretKeyWords = []string{
		"primary", "foreign", "partition", "sort", "hash", "cache", "routing", "group", "idempotency", "public",
		"label", "annotation", "map", "lookup", "index", "shard", "row", "unique", "composite", "hotkey", "ssh",
	}
	// identifierNames are names of settings that are called tokens but are identifiers, compared
	// as sequences of words.
	identifierNames = []string{"initial cluster token"}
)

// credentialName reports whether a Key or variable name says it holds a credential.
func credentialName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	joined := strings.Join(words, " ")
	for _, id := range identifierNames {
		if strings.Contains(joined, id) {
			return false
		}
	}
	if slices.Contains(identifierWords, words[len(words)-1]) {
		return false
	}
	for i, w := range words {
		switch {
		case slices.Contains(credentialWords, w), strings.HasSuffix(w, "token") && w != "token" && !strings.HasPrefix(w, "token"):
			return true
		case slices.ContainsFunc(credentialSubwords, func(s string) bool { return strings.Contains(w, s) }):
			return true
		case w == "key":
			// AZURE_BATCH_KEY, OCI_CLI_KEY_CONTENT, api_key; not primary_key or KEY_ID.
			if i > 0 && slices.Contains(nonSecretKeyWords, words[i-1]) {
				continue
			}
			if i == len(words)-1 || slices.Contains([]string{"content", "data", "value", "material", "secret", "pem", "b64", "base64"}, words[i+1]) {
				return true
			}
		}
	}
	return false
}

// nameWords splits a name into lower-case words at separators and camelCase boundaries:
// "OCI_CLI_KEY_CONTENT" and "ociCliKeyContent" both give [oci cli Key content].
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	runes := []rune(name)
	for i, r := range runes {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && len(cur) > 0 && i > 0 &&
			(unicode.IsLower(runes[i-1]) || (i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(runes[i-1]))):
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

// referenceValue matches values that refer to a credential rather than hold it: variable and
// template references.
var referenceValue = regexp.MustCompile(`^(\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|%[A-Za-z_]+%|<[^>]*>)$`)

// plausibleCredential reports whether value could be a credential: it is not empty, a number,
// a boolean, a path, a URL without a password, or a reference to a variable.
func plausibleCredential(value string) bool {
	v := strings.Trim(strings.TrimSpace(value), `"'`)
	if v == "" || referenceValue.MatchString(v) || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") {
		return false
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return false
	}
	if _, err := strconv.ParseBool(v); err == nil {
		return false
	}
	switch strings.ToLower(v) {
	case "yes", "no", "on", "off", "none", "null", "nil", "required", "optional", "disabled", "enabled":
		return false
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
		_, hasPassword := u.User.Password()
		return hasPassword
	}
	return true
}

// addCredentials records what the value of one data Key reveals: a PEM private Key, or a
// credential found by rule or by name.
func (f *ContentFacts) addCredentials(key, value string) {
	if privateKeyBlock.MatchString(value) {
		f.PrivateKeyKeys = append(f.PrivateKeyKeys, key)
		return
	}
	why, err := CredentialIn(key, value, false)
	switch {
	case err != nil:
		f.ParseErrors = append(f.ParseErrors, fmt.Sprintf("%s: %v", key, err))
	case why != "":
		f.CredentialKeys = append(f.CredentialKeys, fmt.Sprintf("%s (%s)", key, why))
	}
}
