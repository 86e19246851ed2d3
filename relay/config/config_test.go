package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sample = `org: org1
listen: "127.0.0.1:7080"
publicURL: "http://127.0.0.1:7080"
dataDir: "/abs/state/relay-org1"
channel: "qrsign"
chaincode: "qrsign"
gateway:
  endpoint: "127.0.0.1:7051"
  serverName: "localhost"
  tlsCACertFile: "/abs/tlsca-cert.pem"
  mspId: "Org1MSP"
  certFile: "/abs/cert.pem"
  keyFile: "/abs/key.pem"
ca:
  url: "https://127.0.0.1:7054"
  tlsCertFile: "/abs/ca-tls-cert.pem"
apiKeys:
  - name: "org1-app"
    key: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    scopes: ["documents:write"]
tokenKeyFile: "/abs/state/relay-org1/token.key"
`

// write writes a config file; unless it names one, it points signerWasm at
// stand-ins (Validate checks the files exist, nothing here reads them).
func write(t *testing.T, s string) string {
	dir := t.TempDir()
	if !strings.Contains(s, "signerWasm:") {
		for _, f := range []string{"signer.wasm", WasmExec} {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		s += "signerWasm: " + filepath.Join(dir, "signer.wasm") + "\n"
	}
	p := filepath.Join(dir, "relay.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadReadsTheBriefsFormatAndFillsDefaults(t *testing.T) {
	c, err := Load(write(t, sample), []string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Gateway.MSPID != "Org1MSP" || c.APIKeys[0].Scopes[0] != ScopeWrite || c.SessionTTL.D() != 24*time.Hour ||
		c.Gateway.Timeouts.CommitStatus.D() != time.Minute || c.Server.ReadHeaderTimeout.D() != 5*time.Second || !c.Events {
		t.Fatalf("%+v", c)
	}
}

func TestEnvironmentOverridesTopLevelScalars(t *testing.T) {
	c, err := Load(write(t, sample), []string{"QRSIGN_RELAY_PUBLIC_URL=https://sign.example", "QRSIGN_RELAY_LISTEN=0.0.0.0:9000",
		"QRSIGN_RELAY_SESSION_TTL=2h", "QRSIGN_RELAY_MAX_DOCUMENT_BYTES=1000", "QRSIGN_RELAY_EVENTS=false", "OTHER=1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://sign.example" || c.Listen != "0.0.0.0:9000" || c.SessionTTL.D() != 2*time.Hour ||
		c.MaxDocumentBytes != 1000 || c.Events {
		t.Fatalf("%+v", c)
	}
	if _, err := Load(write(t, sample), []string{"QRSIGN_RELAY_SESSION_TTL=soon"}); err == nil ||
		!strings.Contains(err.Error(), "QRSIGN_RELAY_SESSION_TTL: duration \"soon\"") {
		t.Fatalf("%v", err)
	}
}

func TestUpperSnakeNamesTheVariables(t *testing.T) {
	for in, want := range map[string]string{"publicURL": "PUBLIC_URL", "tokenKeyFile": "TOKEN_KEY_FILE", "org": "ORG",
		"dataDir": "DATA_DIR", "maxJSONBytes": "MAX_JSON_BYTES", "sessionTTL": "SESSION_TTL"} {
		if got := UpperSnake(in); got != want {
			t.Errorf("UpperSnake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateNamesTheBadField(t *testing.T) {
	cases := []struct {
		name, from, to, want string
	}{
		{"relative dataDir", `dataDir: "/abs/state/relay-org1"`, `dataDir: "state"`, `dataDir: "state" must be an absolute path`},
		{"publicURL with slash", `publicURL: "http://127.0.0.1:7080"`, `publicURL: "http://x/"`, `publicURL: "http://x/" must not end with /`},
		{"listen without port", `listen: "127.0.0.1:7080"`, `listen: "localhost"`, `listen: "localhost" is not host:port`},
		{"short API key", `key: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`, `key: "short"`,
			`apiKeys[0].key: must be at least 32 characters`},
		{"unknown scope", `scopes: ["documents:write"]`, `scopes: ["admin"]`, `apiKeys[0].scopes[0]: "admin" is not one of documents:read, documents:write`},
		{"missing mspId", `mspId: "Org1MSP"`, `mspId: ""`, `gateway.mspId: is required`},
		{"wildcard CORS", `tokenKeyFile:`, "corsOrigins: [\"*\"]\ntokenKeyFile:", `corsOrigins[0]: "*" must be an exact origin`},
		{"bad proxy CIDR", `tokenKeyFile:`, "trustedProxies: [\"10.0.0.1\"]\ntokenKeyFile:", `trustedProxies[0]: "10.0.0.1" is not a CIDR`},
		{"maxExpiry too short", `tokenKeyFile:`, "maxExpiry: 1h\ntokenKeyFile:", `maxExpiry: must be between 24h and 87840h (10 years)`},
		{"group of 65", `tokenKeyFile:`, "groupCommit: {maxItems: 65}\ntokenKeyFile:", `groupCommit: maxItems must be 1..64`},
		{"PDF check bucket below a document", `tokenKeyFile:`, "rateLimit: {perSecond: 5, burst: 5, verifyPdfMiBPerMinute: 10, verifyPdfMiBBurst: 4}\ntokenKeyFile:",
			`rateLimit: verifyPdfMiBPerMinute must be >= 0, and verifyPdfMiBBurst hold maxDocumentBytes (32 MiB) when enabled`},
		{"group window of 2s", `tokenKeyFile:`, "groupCommit: {window: 2s}\ntokenKeyFile:", `groupCommit: window must be 0..1s`},
		{"relative signerWasm", `tokenKeyFile:`, "signerWasm: signer.wasm\ntokenKeyFile:", `signerWasm: "signer.wasm" must be an absolute path`},
		{"missing signerWasm", `tokenKeyFile:`, "signerWasm: /nonexistent/signer.wasm\ntokenKeyFile:",
			`signerWasm: /nonexistent/signer.wasm is missing: the phone page needs it (GOOS=js GOARCH=wasm go build`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(write(t, strings.Replace(sample, tc.from, tc.to, 1)), []string{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := Load(write(t, sample+"colour: red\n"), []string{}); err == nil || !strings.Contains(err.Error(), "field colour not found") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestTokenKeyIsCreatedOnceWithMode0600(t *testing.T) {
	c := Default()
	c.TokenKeyFile = filepath.Join(t.TempDir(), "sub", "token.key")
	k1, err := c.LoadTokenKey()
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(c.TokenKeyFile)
	k2, _ := c.LoadTokenKey()
	if len(k1) != 32 || string(k1) != string(k2) || st.Mode().Perm() != 0o600 {
		t.Fatalf("len %d equal %v mode %v", len(k1), string(k1) == string(k2), st.Mode())
	}
}

func TestTokenKeyReadableByOthersIsRefused(t *testing.T) {
	c := Default()
	c.TokenKeyFile = filepath.Join(t.TempDir(), "token.key")
	if err := os.WriteFile(c.TokenKeyFile, make([]byte, 32), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(c.TokenKeyFile, 0o644)
	_, err := c.LoadTokenKey()
	if err == nil || !strings.Contains(err.Error(), "has mode 0644; it holds a secret, make it 0600") {
		t.Fatalf("err %v", err)
	}
}

func TestConcurrentReplicasCreatingTheKeyAllReadTheSameFullKey(t *testing.T) {
	dir := t.TempDir()
	keys := make(chan []byte, 8)
	for i := 0; i < 8; i++ {
		go func() {
			c := Default()
			c.TokenKeyFile = filepath.Join(dir, "token.key")
			k, err := c.LoadTokenKey()
			if err != nil {
				t.Error(err)
			}
			keys <- k
		}()
	}
	first := <-keys
	for i := 1; i < 8; i++ {
		if k := <-keys; string(k) != string(first) || len(k) != 32 {
			t.Fatalf("replica %d read %d bytes, a different key: %v", i, len(k), string(k) != string(first))
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".token-key-*")); len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}
