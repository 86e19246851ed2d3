// Package config is the relay's configuration: the YAML file the network tool
// writes per org (network/cluster/relay.go), defaults for everything optional, and
// QRSIGN_RELAY_<UPPER_SNAKE> environment overrides for top-level scalars.
package config

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/qrsign/qrsign/relay/export"
	"github.com/qrsign/qrsign/relay/groupcommit"
	"github.com/qrsign/qrsign/relay/i18n"
)

// Scopes an API key may hold. documents:write implies documents:read.
const (
	ScopeRead  = "documents:read"
	ScopeWrite = "documents:write"
)

// Config is the relay configuration.
type Config struct {
	Org          string   `yaml:"org"`
	Listen       string   `yaml:"listen"`
	PublicURL    string   `yaml:"publicURL"`
	DataDir      string   `yaml:"dataDir"`
	Channel      string   `yaml:"channel"`
	Chaincode    string   `yaml:"chaincode"`
	Gateway      Gateway  `yaml:"gateway"`
	CA           CA       `yaml:"ca"`
	APIKeys      []APIKey `yaml:"apiKeys"`
	TokenKeyFile string   `yaml:"tokenKeyFile"`

	// Optional; defaults in Default.
	SessionTTL       Duration  `yaml:"sessionTTL"`       // how long a QR session token lives (at least, see relay/session)
	MaxExpiry        Duration  `yaml:"maxExpiry"`        // how far ahead an upload's expiresAt may be
	MaxDocumentBytes int64     `yaml:"maxDocumentBytes"` // upload limit
	MaxJSONBytes     int64     `yaml:"maxJSONBytes"`     // limit of JSON bodies
	RateLimit        RateLimit `yaml:"rateLimit"`
	TrustedProxies   []string  `yaml:"trustedProxies"` // CIDRs whose X-Forwarded-For is believed
	CORSOrigins      []string  `yaml:"corsOrigins"`    // exact origins allowed; none = no CORS
	Server           Server    `yaml:"server"`
	QRCacheEntries   int       `yaml:"qrCacheEntries"`
	LogLevel         string    `yaml:"logLevel"` // debug, info, warn, error
	Events           bool      `yaml:"events"`   // follow chaincode events (SSE, block cache)
	// Webhooks configures outcome callbacks to apps (relay/webhook).
	Webhooks Webhooks `yaml:"webhooks"`
	// MetricsToken is the bearer token GET /metrics requires; without one
	// nobody may read the metrics.
	MetricsToken string `yaml:"metricsToken"`
	// MaxBatchBytes limits a POST /v1/batches body (all files together).
	MaxBatchBytes int64 `yaml:"maxBatchBytes"`
	// BatchConcurrency bounds parallel RegisterDocument calls of one batch.
	BatchConcurrency int `yaml:"batchConcurrency"`
	// PublicVerify serves GET /v1/verify (lookup by hash, tx id or document
	// id) without an API key; false makes it need documents:read.
	PublicVerify bool `yaml:"publicVerify"`
	// PublicSigners is what GET /v1/verify's public view says about who
	// signed: "none", "org" (each signer's organisation; default) or
	// "identity" (organisation and signer id, for signatures public by policy).
	PublicSigners string `yaml:"publicSigners"`
	// Login configures sign-in with QR (relay/login).
	Login Login `yaml:"login"`
	// DefaultLang is the language of PDFs, exports and pages when a request
	// names none (no ?lang=, no Accept-Language we speak): "en" or "zh-CN".
	DefaultLang string `yaml:"defaultLang"`
	// PDFFont is the TrueType font (.ttf or .ttc) every PDF embeds a subset
	// of; the relay refuses to start without it (PDF_FONT_MISSING).
	PDFFont string `yaml:"pdfFont"`
	// GroupCommit records concurrent signatures in shared transactions (relay/groupcommit).
	GroupCommit GroupCommit `yaml:"groupCommit"`
	// TSA is the org's RFC 3161 time-stamping authority, which this relay
	// runs (POST /v1/tsa) and stamps every PDF signature with (issue 13).
	// Without it the relay makes no PDF signatures.
	TSA TSA `yaml:"tsa"`
	// SignerWasm is the phone page's signer module (relay/cmd/signer-wasm
	// built with GOOS=js GOARCH=wasm), with the wasm_exec.js of the Go that
	// built it beside it: the page judges PDF increments and builds what it
	// signs with it. Default: signer.wasm beside the relay binary.
	SignerWasm string `yaml:"signerWasm"`
}

// WasmExec is the file name of Go's JS glue, which SignerWasm needs beside it.
const WasmExec = "wasm_exec.js"

// GroupCommit configures relay/groupcommit: off, every signature is a
// transaction of its own.
type GroupCommit struct {
	Enabled  bool     `yaml:"enabled"`
	MaxItems int      `yaml:"maxItems"` // signatures per transaction
	Window   Duration `yaml:"window"`   // longest a signature waits for others while transactions are in flight
}

// Config is what relay/groupcommit takes.
func (g GroupCommit) Config() groupcommit.Config {
	return groupcommit.Config{MaxItems: g.MaxItems, Window: g.Window.D()}
}

// TSA names the time-stamping certificate (PEM: the TSA certificate, issued
// by the org's Fabric CA with extended key usage timeStamping, critical,
// then its issuers) and its key (PEM PKCS#8 or SEC 1).
type TSA struct {
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
}

// Login configures sign-in with QR. Challenges and sessions live in memory.
type Login struct {
	ChallengeTTL Duration `yaml:"challengeTTL"` // how long a login QR can be scanned
	SessionTTL   Duration `yaml:"sessionTTL"`   // how long a signed-in desktop session lasts
	MaxPending   int      `yaml:"maxPending"`   // open challenges (and sessions) held at most
	// ChallengesPerMinute and ChallengeBurst limit challenge creation per client
	// (IPv4 address, IPv6 /64); one client holds at most 2 × ChallengeBurst.
	ChallengesPerMinute float64 `yaml:"challengesPerMinute"`
	ChallengeBurst      int     `yaml:"challengeBurst"`
}

// Webhooks are the callback hosts apps may register (none: every URL is refused).
type Webhooks struct {
	AllowedHosts  []string `yaml:"allowedHosts"`  // "hooks.example.com", "*.example.com"
	AllowLoopback bool     `yaml:"allowLoopback"` // development and tests only
}

// Gateway is how the relay reaches its org's peer gateway.
type Gateway struct {
	Endpoint   string `yaml:"endpoint"`
	ServerName string `yaml:"serverName"`
	// Endpoints are the org's peers in order of preference (relay/ledger
	// fails over along them); when set, Endpoint is optional (see Peers).
	Endpoints []Peer `yaml:"endpoints"`
	// ProbeInterval is how often the peers are probed (to leave a dead one
	// early and to return to the preferred one).
	ProbeInterval Duration `yaml:"probeInterval"`
	// ProbeTimeout bounds one probe (default 3s); ProbeMisses probes in a row
	// left unanswered make a peer that still accepts connections count as
	// down (default 3): a slow peer is not a dead one.
	ProbeTimeout  Duration `yaml:"probeTimeout"`
	ProbeMisses   int      `yaml:"probeMisses"`
	TLSCACertFile string   `yaml:"tlsCACertFile"`
	MSPID         string   `yaml:"mspId"`
	CertFile      string   `yaml:"certFile"`
	KeyFile       string   `yaml:"keyFile"`
	Timeouts      Timeouts `yaml:"timeouts"`
	// MVCCRetries is how many times a transaction invalidated by
	// MVCC_READ_CONFLICT is re-endorsed and resubmitted.
	MVCCRetries int `yaml:"mvccRetries"`
}

// Timeouts bound each stage of a transaction.
type Timeouts struct {
	Evaluate     Duration `yaml:"evaluate"`
	Endorse      Duration `yaml:"endorse"`
	Submit       Duration `yaml:"submit"`
	CommitStatus Duration `yaml:"commitStatus"`
}

// CA is the org's Fabric CA (informational for the relay today).
type CA struct {
	URL         string `yaml:"url"`
	TLSCertFile string `yaml:"tlsCertFile"`
}

// APIKey is one client application's key and what it may do.
type APIKey struct {
	Name   string   `yaml:"name"`
	Key    string   `yaml:"key"`
	Scopes []string `yaml:"scopes"`
}

// RateLimit is a per-client-IP token bucket.
type RateLimit struct {
	PerSecond float64 `yaml:"perSecond"` // 0 disables
	Burst     int     `yaml:"burst"`
	// VerifyPDFMiBPerMinute charges the files POST /v1/verify/pdf hashes
	// by size, per client IP (0 disables); VerifyPDFMiBBurst is the bucket,
	// at least maxDocumentBytes, so any file the route accepts can pass.
	VerifyPDFMiBPerMinute float64 `yaml:"verifyPdfMiBPerMinute"`
	VerifyPDFMiBBurst     int     `yaml:"verifyPdfMiBBurst"`
}

// Server holds the HTTP server timeouts.
type Server struct {
	ReadHeaderTimeout Duration `yaml:"readHeaderTimeout"`
	ReadTimeout       Duration `yaml:"readTimeout"`
	WriteTimeout      Duration `yaml:"writeTimeout"`
	IdleTimeout       Duration `yaml:"idleTimeout"`
}

// Duration is a time.Duration written as "5s" in YAML.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads "1m30s" or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration as text.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func parseDuration(s string) (Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return Duration(n * float64(time.Second)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 5s or 1m", s)
	}
	return Duration(v), nil
}

// Default is the configuration before the file is read.
func Default() Config {
	return Config{
		Listen:           "127.0.0.1:7080",
		Channel:          "qrsign",
		Chaincode:        "qrsign",
		SessionTTL:       Duration(24 * time.Hour),
		MaxExpiry:        Duration(366 * 24 * time.Hour),
		MaxDocumentBytes: 32 << 20,
		MaxJSONBytes:     256 << 10,
		MaxBatchBytes:    1 << 30,
		BatchConcurrency: 16,
		RateLimit:        RateLimit{PerSecond: 50, Burst: 100, VerifyPDFMiBPerMinute: 64, VerifyPDFMiBBurst: 64},
		Server: Server{
			ReadHeaderTimeout: Duration(5 * time.Second),
			ReadTimeout:       Duration(60 * time.Second),
			WriteTimeout:      Duration(90 * time.Second),
			IdleTimeout:       Duration(120 * time.Second),
		},
		Gateway: Gateway{
			Timeouts: Timeouts{
				Evaluate:     Duration(5 * time.Second),
				Endorse:      Duration(15 * time.Second),
				Submit:       Duration(5 * time.Second),
				CommitStatus: Duration(60 * time.Second),
			},
			MVCCRetries:   5,
			ProbeInterval: Duration(2 * time.Second),
			ProbeTimeout:  Duration(3 * time.Second),
			ProbeMisses:   3,
		},
		QRCacheEntries: 512,
		Login: Login{ChallengeTTL: Duration(2 * time.Minute), SessionTTL: Duration(15 * time.Minute), MaxPending: 10000,
			ChallengesPerMinute: 30, ChallengeBurst: 10},
		LogLevel:      "info",
		Events:        true,
		PublicVerify:  true,
		PublicSigners: "org",
		DefaultLang:   string(i18n.En),
		PDFFont:       export.DefaultFontPath,
		GroupCommit:   GroupCommit{Enabled: true, MaxItems: 32, Window: Duration(20 * time.Millisecond)},
		SignerWasm:    besideExecutable("signer.wasm"),
	}
}

// besideExecutable is name in the running binary's directory (name alone
// when the binary cannot be located: Validate then asks for a path).
func besideExecutable(name string) string {
	exe, err := os.Executable()
	if err != nil {
		return name
	}
	return filepath.Join(filepath.Dir(exe), name)
}

// EnvPrefix prefixes the environment overrides.
const EnvPrefix = "QRSIGN_RELAY_"

// Load reads the file at path over the defaults, applies environment
// overrides from environ (os.Environ() form; nil means the process
// environment) and validates the result.
func Load(path string, environ []string) (*Config, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	if environ == nil {
		environ = os.Environ()
	}
	if err := c.applyEnv(environ); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return &c, nil
}

// applyEnv sets top-level scalar fields from QRSIGN_RELAY_<UPPER_SNAKE of the yaml name>.
func (c *Config) applyEnv(environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	rv := reflect.ValueOf(c).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		name := strings.Split(rt.Field(i).Tag.Get("yaml"), ",")[0]
		v, ok := env[EnvPrefix+UpperSnake(name)]
		if !ok {
			continue
		}
		f := rv.Field(i)
		switch {
		case f.Type() == reflect.TypeOf(Duration(0)):
			d, err := parseDuration(v)
			if err != nil {
				return fmt.Errorf("%s%s: %w", EnvPrefix, UpperSnake(name), err)
			}
			f.SetInt(int64(d))
		case f.Kind() == reflect.String:
			f.SetString(v)
		case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s%s: %q is not an integer", EnvPrefix, UpperSnake(name), v)
			}
			f.SetInt(n)
		case f.Kind() == reflect.Bool:
			bv, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s%s: %q is not a boolean", EnvPrefix, UpperSnake(name), v)
			}
			f.SetBool(bv)
		}
	}
	return nil
}

// UpperSnake turns "publicURL" into "PUBLIC_URL" and "tokenKeyFile" into "TOKEN_KEY_FILE".
func UpperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		up := r >= 'A' && r <= 'Z'
		if up && i > 0 {
			prevLower := s[i-1] >= 'a' && s[i-1] <= 'z'
			nextLower := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			prevUpper := s[i-1] >= 'A' && s[i-1] <= 'Z'
			if prevLower || (prevUpper && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}

// Validate reports the first problem, naming the field as written in YAML.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.Org == "" {
		bad("org", "is required")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port", c.Listen)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("publicURL", "%q must be an absolute http(s) URL", c.PublicURL)
	} else if strings.HasSuffix(c.PublicURL, "/") {
		bad("publicURL", "%q must not end with /", c.PublicURL)
	}
	if !filepath.IsAbs(c.DataDir) {
		bad("dataDir", "%q must be an absolute path", c.DataDir)
	}
	if c.Channel == "" {
		bad("channel", "is required")
	}
	if (c.TSA.CertFile == "") != (c.TSA.KeyFile == "") {
		bad("tsa", "certFile and keyFile go together")
	}
	if c.Chaincode == "" {
		bad("chaincode", "is required")
	}
	c.Gateway.validateEndpoints(bad)
	if c.Gateway.MSPID == "" {
		bad("gateway.mspId", "is required")
	}
	for field, p := range map[string]string{"gateway.tlsCACertFile": c.Gateway.TLSCACertFile,
		"gateway.certFile": c.Gateway.CertFile, "gateway.keyFile": c.Gateway.KeyFile} {
		if p == "" {
			bad(field, "is required")
		}
	}
	t := c.Gateway.Timeouts
	for field, d := range map[string]Duration{"gateway.timeouts.evaluate": t.Evaluate, "gateway.timeouts.endorse": t.Endorse,
		"gateway.timeouts.submit": t.Submit, "gateway.timeouts.commitStatus": t.CommitStatus} {
		if d <= 0 {
			bad(field, "must be positive")
		}
	}
	if c.Gateway.MVCCRetries < 0 || c.Gateway.MVCCRetries > 10 {
		bad("gateway.mvccRetries", "must be 0..10")
	}
	if c.TokenKeyFile == "" {
		bad("tokenKeyFile", "is required")
	}
	names := map[string]bool{}
	for i, k := range c.APIKeys {
		f := fmt.Sprintf("apiKeys[%d]", i)
		if k.Name == "" {
			bad(f+".name", "is required")
		} else if names[k.Name] {
			bad(f+".name", "%q is used twice", k.Name)
		}
		names[k.Name] = true
		if len(k.Key) < 32 {
			bad(f+".key", "must be at least 32 characters")
		}
		if len(k.Scopes) == 0 {
			bad(f+".scopes", "must list at least one of %s, %s", ScopeRead, ScopeWrite)
		}
		for j, s := range k.Scopes {
			if s != ScopeRead && s != ScopeWrite {
				bad(fmt.Sprintf("%s.scopes[%d]", f, j), "%q is not one of %s, %s", s, ScopeRead, ScopeWrite)
			}
		}
	}
	if d := c.MaxExpiry.D(); d < 24*time.Hour || d > 10*366*24*time.Hour {
		bad("maxExpiry", "must be between 24h and 87840h (10 years)")
	}
	if c.SessionTTL.D() < time.Minute {
		bad("sessionTTL", "must be at least 1m")
	}
	if c.MaxDocumentBytes <= 0 {
		bad("maxDocumentBytes", "must be positive")
	}
	if c.MaxJSONBytes <= 0 {
		bad("maxJSONBytes", "must be positive")
	}
	if c.MaxBatchBytes <= 0 {
		bad("maxBatchBytes", "must be positive")
	}
	if c.BatchConcurrency < 1 || c.BatchConcurrency > 256 {
		bad("batchConcurrency", "must be 1..256")
	}
	switch c.PublicSigners {
	case "none", "org", "identity":
	default:
		bad("publicSigners", "must be none, org or identity, not %q", c.PublicSigners)
	}
	if c.DefaultLang != string(i18n.En) && c.DefaultLang != string(i18n.Zh) {
		bad("defaultLang", "must be %s or %s, not %q", i18n.En, i18n.Zh, c.DefaultLang)
	}
	if !filepath.IsAbs(c.PDFFont) {
		bad("pdfFont", "%q must be an absolute path", c.PDFFont)
	}
	if !filepath.IsAbs(c.SignerWasm) {
		bad("signerWasm", "%q must be an absolute path", c.SignerWasm)
	} else {
		for _, f := range []string{c.SignerWasm, filepath.Join(filepath.Dir(c.SignerWasm), WasmExec)} {
			if st, err := os.Stat(f); err != nil || !st.Mode().IsRegular() {
				bad("signerWasm", "%s is missing: the phone page needs it (GOOS=js GOARCH=wasm go build -o %s ./relay/cmd/signer-wasm; "+
					"cp \"$(go env GOROOT)/lib/wasm/%s\" beside it)", f, c.SignerWasm, WasmExec)
			}
		}
	}
	if err := c.GroupCommit.Config().Validate(); c.GroupCommit.Enabled && err != nil {
		bad("groupCommit", "%v", err)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		bad("metricsToken", "must be at least 16 characters")
	}
	if c.RateLimit.PerSecond < 0 || (c.RateLimit.PerSecond > 0 && c.RateLimit.Burst < 1) {
		bad("rateLimit", "perSecond must be >= 0 and burst >= 1 when enabled")
	}
	if r := c.RateLimit; r.VerifyPDFMiBPerMinute < 0 || (r.VerifyPDFMiBPerMinute > 0 && int64(r.VerifyPDFMiBBurst)<<20 < c.MaxDocumentBytes) {
		bad("rateLimit", "verifyPdfMiBPerMinute must be >= 0, and verifyPdfMiBBurst hold maxDocumentBytes (%d MiB) when enabled", (c.MaxDocumentBytes+1<<20-1)>>20)
	}
	for i, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			bad(fmt.Sprintf("trustedProxies[%d]", i), "%q is not a CIDR", p)
		}
	}
	for i, o := range c.CORSOrigins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || o == "*" {
			bad(fmt.Sprintf("corsOrigins[%d]", i), "%q must be an exact origin like https://app.example", o)
		}
	}
	s := c.Server
	for field, d := range map[string]Duration{"server.readHeaderTimeout": s.ReadHeaderTimeout, "server.readTimeout": s.ReadTimeout,
		"server.writeTimeout": s.WriteTimeout, "server.idleTimeout": s.IdleTimeout} {
		if d <= 0 {
			bad(field, "must be positive")
		}
	}
	if l := c.Login; l.ChallengeTTL.D() < 30*time.Second || l.ChallengeTTL.D() > 10*time.Minute {
		bad("login.challengeTTL", "must be 30s..10m")
	}
	if l := c.Login; l.SessionTTL.D() < time.Minute || l.SessionTTL.D() > 12*time.Hour {
		bad("login.sessionTTL", "must be 1m..12h")
	}
	if c.Login.MaxPending < 1 || c.Login.MaxPending > 1_000_000 {
		bad("login.maxPending", "must be 1..1000000")
	}
	if c.Login.ChallengesPerMinute <= 0 || c.Login.ChallengeBurst < 1 {
		bad("login", "challengesPerMinute must be > 0 and challengeBurst >= 1")
	}
	if c.QRCacheEntries < 0 {
		bad("qrCacheEntries", "must not be negative")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("logLevel", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if len(errs) == 0 {
		return nil
	}
	// Map iteration above is unordered; sort so messages are stable.
	sortErrs(errs)
	return errors.Join(errs...)
}

func sortErrs(errs []error) {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Error() < errs[j-1].Error(); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// LoadTokenKey reads the 32-byte HMAC key at TokenKeyFile, creating it (0600,
// random) if it does not exist. Replicas of one org's relay share the file.
// A new key is written to a temporary file and hard-linked into place, so a
// concurrent replica sees either no file or the whole key, never 0 bytes; the
// link fails if another replica won, and then its key is read. An existing
// key file readable or writable by group or others is refused.
func (c *Config) LoadTokenKey() ([]byte, error) {
	fi, err := os.Stat(c.TokenKeyFile)
	if errors.Is(err, os.ErrNotExist) {
		if err := c.createTokenKey(); err != nil {
			return nil, err
		}
		fi, err = os.Stat(c.TokenKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("tokenKeyFile: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("tokenKeyFile: %s has mode %04o; it holds a secret, make it 0600", c.TokenKeyFile, fi.Mode().Perm())
	}
	b, err := os.ReadFile(c.TokenKeyFile)
	if err != nil {
		return nil, fmt.Errorf("tokenKeyFile: %w", err)
	}
	// Accept raw 32+ bytes or hex text.
	if s := strings.TrimSpace(string(b)); len(s) >= 64 {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	if len(b) < 32 {
		return nil, fmt.Errorf("tokenKeyFile: %s holds %d bytes, need 32", c.TokenKeyFile, len(b))
	}
	return b, nil
}

func (c *Config) createTokenKey() error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	dir := filepath.Dir(c.TokenKeyFile)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("tokenKeyFile: %w", err)
	}
	f, err := os.CreateTemp(dir, ".token-key-*")
	if err != nil {
		return fmt.Errorf("tokenKeyFile: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(key)
	if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("tokenKeyFile: %w", err)
	}
	// Link, not rename: rename would replace a key another replica just made.
	if err := os.Link(f.Name(), c.TokenKeyFile); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("tokenKeyFile: %w", err)
	}
	return nil
}
