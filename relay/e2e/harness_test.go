//go:build integration

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"go.yaml.in/yaml/v3"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/internal/apicheck"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/qrscan"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/token"
)

var (
	qrsignBin    string // built once by TestMain
	buildError   error
	openapiCheck *apicheck.Checker // validates every relay response against openapi.json
)

func TestMain(m *testing.M) {
	var err error
	if openapiCheck, err = apicheck.Install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "qrsign-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	qrsignBin = filepath.Join(dir, "qrsign")
	out, err := exec.Command("go", "build", "-o", qrsignBin, "github.com/qrsign/qrsign/relay/cmd/qrsign").CombinedOutput()
	if err != nil {
		buildError = fmt.Errorf("go build qrsign: %v\n%s", err, out)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(openapiCheck.Finish(code))
}

// env is one org's view of the running network.
type env struct {
	info *netinfo.Info
	org  *netinfo.Org
	http *http.Client
}

func setup(t *testing.T) *env {
	t.Helper()
	if buildError != nil {
		t.Fatal(buildError)
	}
	info, err := netinfo.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Orgs) == 0 {
		t.Fatal("network.json lists no orgs")
	}
	org := &info.Orgs[0]
	if org.Relay == nil {
		t.Fatalf("network.json has no relay for %s: `network up` must start one relay per org", org.Name)
	}
	for _, o := range info.Orgs {
		if o.Relay != nil {
			openapiCheck.Watch(o.Relay.URL)
		}
	}
	return &env{info: info, org: org, http: &http.Client{Timeout: 2 * time.Minute}}
}

// unique makes ids that never repeat across runs against one network
// (CA registrations and ledger documents are permanent).
func unique(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", prefix, time.Now().Unix()%1_000_000, hex.EncodeToString(b))
}

// signer is a person with an enrolled qrsign client.
type signer struct {
	id, home, pass string
	msp            string
}

// enroll registers id with the org's Fabric CA and enrolls it with `qrsign enroll`.
func (e *env) enroll(t *testing.T, prefix string) *signer {
	t.Helper()
	s := &signer{id: unique(prefix), home: t.TempDir(), pass: "pass-" + prefix + "-correct-horse", msp: e.org.MSPID}
	secret := "secret-" + hex.EncodeToString([]byte(s.id))[:12]
	if err := e.org.RegisterUser(e.info.BinDir, s.id, secret); err != nil {
		t.Fatalf("register %s: %v", s.id, err)
	}
	res := run(t, s.pass+"\n", "enroll", "--ca", e.org.CA.URL, "--ca-tls", e.org.CA.TLSCertFile,
		"--id", s.id, "--secret", secret, "--home", s.home, "--passphrase-stdin")
	if res.code != 0 {
		t.Fatalf("qrsign enroll %s: exit %d\n%s%s", s.id, res.code, res.stdout, res.stderr)
	}
	return s
}

type result struct {
	code           int
	stdout, stderr string
	maxRSSKiB      int64         // peak resident memory of the qrsign process
	took           time.Duration // process start to exit
}

// run executes the qrsign binary with stdin.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runEnv(t, nil, stdin, args...)
}

// runEnv is run with extra environment variables.
func runEnv(t *testing.T, extraEnv []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qrsignBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	// The passphrase comes from stdin; human output is English (the tests read it) unless extraEnv sets LC_ALL.
	cmd.Env = append(append(os.Environ(), "QRSIGN_PASSPHRASE=", "QRSIGN_API_KEY=", "LC_ALL=C.UTF-8"), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	err := cmd.Run()
	took := time.Since(t0)
	var rss int64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss // KiB on Linux
		}
	}
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("qrsign %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{code: code, stdout: out.String(), stderr: errb.String(), maxRSSKiB: rss, took: took}
}

// scan runs `qrsign scan|decline <qr> --yes --json` as s, passphrase on stdin.
func (s *signer) scan(t *testing.T, action, qr string, extra ...string) (result, *api.CallbackResult) {
	t.Helper()
	args := append([]string{action, qr, "--yes", "--json", "--passphrase-stdin", "--home", s.home}, extra...)
	res := run(t, s.pass+"\n", args...)
	if res.code != 0 {
		return res, nil
	}
	var cb api.CallbackResult
	if err := json.Unmarshal([]byte(res.stdout), &cb); err != nil {
		t.Fatalf("qrsign %s output %q: %v", action, res.stdout, err)
	}
	return res, &cb
}

// uploaded is the 201 answer of POST /v1/documents.
type uploaded struct {
	Document    model.DocumentView `json:"document"`
	TxID        string             `json:"txId"`
	BlockNumber uint64             `json:"blockNumber"`
	Signing     []struct {
		Signer    model.SignerSpec `json:"signer"`
		URL       string           `json:"url"`
		Token     string           `json:"token"`
		QRURL     string           `json:"qrUrl"`
		MatchCode string           `json:"matchCode"`
	} `json:"signing"`
}

// link returns the signing link of signer s.
func (u *uploaded) link(t *testing.T, s *signer) (url, qrURL string) {
	t.Helper()
	for _, l := range u.Signing {
		if l.Signer.ID == s.id && l.Signer.MSPID == s.msp {
			return l.URL, l.QRURL
		}
	}
	t.Fatalf("no signing link for %s in %+v", s.id, u.Signing)
	return "", ""
}

// uploadRaw posts a multipart upload with the given API key and returns the status and body.
func (e *env) uploadRaw(t *testing.T, key string, meta any, content []byte) (int, []byte) {
	t.Helper()
	status, b, _, err := e.postUpload(key, meta, content)
	if err != nil {
		t.Fatal(err)
	}
	return status, b
}

// postUpload posts one upload; it returns the status, body and Retry-After.
func (e *env) postUpload(key string, meta any, content []byte) (int, []byte, string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mj, _ := json.Marshal(meta)
	mw.WriteField("metadata", string(mj))
	fw, _ := mw.CreateFormFile("file", "doc.pdf")
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.org.Relay.URL+"/v1/documents", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return 0, nil, "", fmt.Errorf("upload: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("Retry-After"), err
}

// upload registers a document signed by signers (routing orders as given).
func (e *env) upload(t *testing.T, title string, content []byte, signers []*signer, orders []int) *uploaded {
	t.Helper()
	u, err := e.tryUpload(t, title, content, signers, orders)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// tryUpload is upload for goroutines other than the test's (which must not call t.Fatal).
func (e *env) tryUpload(t *testing.T, title string, content []byte, signers []*signer, orders []int) (*uploaded, error) {
	var specs []model.SignerSpec
	for i, s := range signers {
		specs = append(specs, model.SignerSpec{ID: s.id, MSPID: s.msp, RoutingOrder: orders[i]})
	}
	meta := map[string]any{"id": unique("doc"), "title": title, "docType": "contract", "mediaType": "application/pdf",
		"owner": "e2e-app", "signers": specs, "priority": 1}
	var status int
	var b []byte
	var err error
	// The relay rate-limits per client IP (all of ours are 127.0.0.1): wait as told.
	for try := 0; ; try++ {
		var retryAfter string
		status, b, retryAfter, err = e.postUpload(e.org.Relay.APIKey, meta, content)
		if err != nil {
			return nil, err
		}
		if (status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable) || try == 30 {
			break
		}
		wait := time.Second
		if s, err := strconv.Atoi(retryAfter); err == nil && s > 0 && s < 10 {
			wait = time.Duration(s) * time.Second
		}
		time.Sleep(wait)
	}
	if status != http.StatusCreated {
		return nil, fmt.Errorf("upload: HTTP %d: %s", status, b)
	}
	var u uploaded
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, fmt.Errorf("upload answer %s: %v", b, err)
	}
	return &u, nil
}

// get fetches a relay path with the API key.
func (e *env) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.org.Relay.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.org.Relay.APIKey)
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// scanQR downloads the QR PNG for a signer and decodes it with zbarimg (not our
// decoder), checking our own decoder reads the same URL.
func (e *env) scanQR(t *testing.T, qrURL string) string {
	t.Helper()
	url, _ := e.scanQRFile(t, qrURL)
	return url
}

// scanQRFile is scanQR that also returns the PNG's path.
func (e *env) scanQRFile(t *testing.T, qrURL string) (url, png string) {
	t.Helper()
	status, img := e.get(t, qrURL)
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %s", qrURL, status, img)
	}
	path := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	url, err := qrscan.Zbarimg(context.Background(), path)
	if err != nil {
		t.Fatal(err) // zbar-tools is required: scripts/test.sh installs it
	}
	ours, err := qrscan.Decode(img)
	if err != nil || ours != url {
		t.Fatalf("gozxing read %q (%v), zbarimg read %q", ours, err, url)
	}
	return url, path
}

// provenance reads the document's ledger record through the relay.
func (e *env) provenance(t *testing.T, id string) *api.Provenance {
	t.Helper()
	rc, err := relayapi.New(e.org.Relay.URL)
	if err != nil {
		t.Fatal(err)
	}
	rc.APIKey = e.org.Relay.APIKey
	p, err := rc.Provenance(context.Background(), id)
	if err != nil {
		t.Fatalf("provenance %s: %v", id, err)
	}
	return p
}

// eventTypes lists the types of a provenance's events.
func eventTypes(p *api.Provenance) []string {
	var out []string
	for _, e := range p.Events {
		out = append(out, string(e.Event.Type))
	}
	return out
}

// relayConfig is the part of the org relay's config file the tests use.
type relayConfig struct {
	DataDir      string `yaml:"dataDir"`
	TokenKeyFile string `yaml:"tokenKeyFile"`
	MetricsToken string `yaml:"metricsToken"`
}

func (e *env) relayConfig(t *testing.T) relayConfig {
	t.Helper()
	b, err := os.ReadFile(e.org.Relay.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg relayConfig
	if err := yaml.Unmarshal(b, &cfg); err != nil || cfg.DataDir == "" || cfg.TokenKeyFile == "" {
		t.Fatalf("relay config %s: dataDir or tokenKeyFile missing (%v)", e.org.Relay.ConfigFile, err)
	}
	return cfg
}

// blobPath is where the org's relay keeps a document's bytes (relay/blob: <dataDir>/blobs/<aa>/<sha>).
func (e *env) blobPath(t *testing.T, sha string) string {
	t.Helper()
	return filepath.Join(e.relayConfig(t).DataDir, "blobs", sha[:2], sha)
}

// expired re-issues a session URL's claims, already expired, with the relay's
// own token key: a genuine token whose time is up.
func (e *env) expired(t *testing.T, url string) string {
	t.Helper()
	key, err := os.ReadFile(e.relayConfig(t).TokenKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := token.Peek(token.FromURL(url))
	if err != nil {
		t.Fatal(err)
	}
	c.Expiry = time.Now().Add(-time.Minute).Unix()
	tok, err := token.Sign(key, c)
	if err != nil {
		t.Fatal(err)
	}
	return e.org.Relay.URL + "/s/" + tok
}

// content makes distinct document bytes (blobs are content-addressed).
func content(label string) []byte {
	return []byte(fmt.Sprintf("%%PDF-1.7\n%% qrsign e2e %s %s\n%%%%EOF\n", label, unique("c")))
}

// verifyCLI runs `qrsign verify` against the org's relay and CA certificate,
// with read access as the signer of the session URL.
func (e *env) verifyCLI(t *testing.T, id, sessionURL string) result {
	t.Helper()
	return run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", sessionURL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--channel", e.info.Channel)
}

// revoke revokes id at the org's Fabric CA and publishes the CA's new CRL on
// the ledger as the org's admin. Fabric CA's CRLs carry no number, so each
// must be later than the last published (1 s resolution): a CRL refused as
// not newer is made again a second later.
func (e *env) revoke(t *testing.T, id string) {
	t.Helper()
	if err := e.org.RevokeUser(e.info.BinDir, id); err != nil {
		t.Fatal(err)
	}
	ca, contract := e.signerCA(t), e.adminContract(t)
	for try := 0; ; try++ {
		crl, err := e.org.GenCRL(e.info.BinDir)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := json.Marshal(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(ca.Raw), CRLPEM: string(crl)})
		_, err = contract.SubmitTransaction("PublishCRL", string(req))
		if err == nil {
			return
		}
		if try == 3 || !strings.Contains(err.Error(), "is not after the published") {
			t.Fatalf("PublishCRL as %s admin: %v", e.org.MSPID, err)
		}
		time.Sleep(1100 * time.Millisecond)
	}
}

// signerCA is the org's Fabric CA certificate, its registered signer CA.
func (e *env) signerCA(t *testing.T) *x509.Certificate {
	t.Helper()
	caPEM, err := os.ReadFile(e.org.CA.CACertFile)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := keystore.ParseCert(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// adminContract is the qrsign contract as the org's admin, through its first
// peer's gateway (closed when the test ends).
func (e *env) adminContract(t *testing.T) *client.Contract {
	t.Helper()
	conn, gw, err := e.org.Dial(e.org.Admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(); conn.Close() })
	return gw.GetNetwork(e.info.Channel).GetContract(e.info.Chaincode)
}
