//go:build integration

// Package integration runs the relay built from this tree against the real
// network named by $QRSIGN_NETWORK_STATE: real gateway, real chaincode, signers
// enrolled from the org's Fabric CA. It fails (never skips) without a network.
package integration

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"go.yaml.in/yaml/v3"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/internal/apicheck"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/token"
)

type env struct {
	info     *netinfo.Info
	org      *netinfo.Org
	url      string
	key      string // API key
	metrics  string // metricsToken: GET /metrics needs it
	tokenKey []byte
	contract *client.Contract
	run      string // unique suffix of this run
	proc     *os.Process
	dir      string
}

// openapiCheck validates every response of the relay this package starts against openapi.json.
var openapiCheck *apicheck.Checker

// TestMain stops the relay this package started.
func TestMain(m *testing.M) {
	var err error
	if openapiCheck, err = apicheck.Install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if shared != nil {
		shared.proc.Kill()
		shared.proc.Wait()
		if os.Getenv("QRSIGN_KEEP_RELAY_DIR") == "" { // set it to read relay.log after a failure
			os.RemoveAll(shared.dir)
		} else {
			fmt.Fprintln(os.Stderr, "relay dir kept:", shared.dir)
		}
	}
	os.Exit(openapiCheck.Finish(code))
}

var (
	once     sync.Once
	shared   *env
	setupErr error
)

// setup builds the relay, starts it on a free port with its own data dir
// and returns the environment. The process lives until the test binary exits.
func setup(t *testing.T) *env {
	t.Helper()
	once.Do(func() { shared, setupErr = start() })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return shared
}

func start() (*env, error) {
	info, err := netinfo.FromEnv()
	if err != nil {
		return nil, err
	}
	org := &info.Orgs[0]
	if org.Relay == nil {
		return nil, fmt.Errorf("network has no relay config for %s", org.Name)
	}
	base, err := config.Load(org.Relay.ConfigFile, []string{})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "qrsign-relay-it-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := *base
	cfg.Listen, cfg.PublicURL, cfg.DataDir = addr, "http://"+addr, dir
	cfg.TokenKeyFile = filepath.Join(dir, "token.key")
	cfg.RateLimit.PerSecond = 0
	cfg.Webhooks.AllowLoopback = true // the webhook test's receiver listens on 127.0.0.1
	cfg.APIKeys = []config.APIKey{{Name: "it", Key: randHex(32), Scopes: []string{config.ScopeWrite}}}
	cfg.MetricsToken = randHex(16)
	b, _ := yaml.Marshal(cfg)
	cfgPath := filepath.Join(dir, "relay.yaml")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "relay")
	build := exec.Command("go", "build", "-o", bin, "github.com/qrsign/qrsign/relay/cmd/relay")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build relay: %v\n%s", err, out)
	}
	e := &env{info: info, org: org, url: cfg.PublicURL, key: cfg.APIKeys[0].Key, metrics: cfg.MetricsToken, run: randHex(3), dir: dir}
	openapiCheck.Watch(e.url)
	if err := e.launch(); err != nil {
		return nil, err
	}
	if e.tokenKey, err = cfg.LoadTokenKey(); err != nil {
		return nil, err
	}
	_, gw, err := org.Dial(org.Client, 0)
	if err != nil {
		return nil, err
	}
	e.contract = gw.GetNetwork(info.Channel).GetContract(info.Chaincode)
	return e, nil
}

// launch starts the relay binary in e.dir and waits until it is ready.
func (e *env) launch() error {
	logf, err := os.OpenFile(filepath.Join(e.dir, "relay.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(e.dir, "relay"), "--config", filepath.Join(e.dir, "relay.yaml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	e.proc = cmd.Process
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(e.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return fmt.Errorf("relay not ready in 60s; log %s", logf.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var enrolled atomic.Int64 // makes enrollment ids unique within a run

// person is a signer enrolled from the org's Fabric CA.
type person struct {
	id      string
	certPEM string
	cert    *x509.Certificate
	key     crypto.Signer
}

func (e *env) enroll(t *testing.T, name string) *person {
	t.Helper()
	id := fmt.Sprintf("%s-%s-%d", name, e.run, enrolled.Add(1))
	secret := randHex(8)
	if err := e.org.RegisterUser(e.info.BinDir, id, secret); err != nil {
		t.Fatal(err)
	}
	ident, err := e.org.Enroll(e.info.BinDir, id, secret, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _ := os.ReadFile(ident.CertFile)
	keyPEM, _ := os.ReadFile(ident.KeyFile)
	blk, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode(keyPEM)
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &person{id: id, certPEM: string(certPEM), cert: cert, key: k.(crypto.Signer)}
}

func (p *person) spec(e *env, order int) model.SignerSpec {
	return model.SignerSpec{ID: p.id, MSPID: e.org.MSPID, RoutingOrder: order}
}

// callback signs the session of tok as p.
func (e *env) callback(t *testing.T, tok string, p *person, action, reason string) api.CallbackRequest {
	t.Helper()
	c, err := token.Peek(tok)
	if err != nil {
		t.Fatal(err)
	}
	purpose := payload.PurposeSign
	if action == "decline" {
		purpose = payload.PurposeDecline
	}
	msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: e.info.Channel, DocumentID: c.DocID, DocumentSHA256: c.SHA256,
		Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(p.cert.Raw), Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, p.key, msg)
	if err != nil {
		t.Fatal(err)
	}
	return api.CallbackRequest{Token: tok, Action: action, CertChainPEM: p.certPEM, Signature: base64.StdEncoding.EncodeToString(sig),
		Algorithm: model.AlgECDSAP256DER, Reason: reason}
}

func (e *env) do(t *testing.T, method, path string, body io.Reader, hdr ...string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, e.url+path, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (e *env) post(t *testing.T, path string, v any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(v)
	code, body, _ := e.do(t, "POST", path, bytes.NewReader(b), "Content-Type", "application/json")
	return code, body
}

func (e *env) upload(t *testing.T, signers ...model.SignerSpec) api.Registered {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	meta, _ := json.Marshal(map[string]any{"title": "Integration " + t.Name(), "docType": "contract", "owner": "it",
		"signers": signers, "mediaType": "text/plain"})
	mw.WriteField("metadata", string(meta))
	fw, _ := mw.CreateFormFile("file", "doc.txt")
	fmt.Fprintf(fw, "document of %s at %s\n", t.Name(), time.Now().Format(time.RFC3339Nano))
	mw.Close()
	code, body, _ := e.do(t, "POST", "/v1/documents", &buf, "Content-Type", mw.FormDataContentType(), "X-API-Key", e.key)
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var r api.Registered
	json.Unmarshal(body, &r)
	return r
}

// events is the number of ledger events of a document, read through the gateway.
func (e *env) events(t *testing.T, id string) int {
	t.Helper()
	out, err := e.contract.EvaluateWithContext(context.Background(), "GetHistory", client.WithArguments(id))
	if err != nil {
		t.Fatal(err)
	}
	var h model.History
	json.Unmarshal(out, &h)
	return len(h.Events)
}

func wantCode(t *testing.T, code int, body []byte, status int, problemCode string) {
	t.Helper()
	var p struct{ Code string }
	json.Unmarshal(body, &p)
	if code != status || p.Code != problemCode {
		t.Fatalf("got %d %s, want %d %s", code, body, status, problemCode)
	}
}

func TestUploadQRSignProvenanceOnTheRealNetwork(t *testing.T) {
	e := setup(t)
	bob := e.enroll(t, "bob")
	reg := e.upload(t, bob.spec(e, 1))
	if reg.TxID == "" || reg.BlockNumber == 0 {
		t.Fatalf("%+v", reg)
	}
	// The desktop shows the QR; the phone reads it.
	code, png, _ := e.do(t, "GET", reg.Signing[0].QRURL, nil, "X-API-Key", e.key)
	if code != 200 {
		t.Fatalf("qr: %d", code)
	}
	zbar := exec.Command("zbarimg", "--raw", "-q", "-")
	zbar.Stdin = bytes.NewReader(png)
	out, err := zbar.Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	tok := token.FromURL(strings.TrimSpace(string(out)))
	if tok != reg.Signing[0].Token {
		t.Fatalf("QR token differs from the upload's")
	}
	// The QR URL opens the mobile signer page.
	code, _, hdr := e.do(t, "GET", "/s/"+tok, nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("/s/<token>: %d %s", code, hdr.Get("Content-Type"))
	}
	code, body, _ := e.do(t, "GET", "/v1/sessions/"+tok, nil)
	var sess api.Session
	json.Unmarshal(body, &sess)
	if code != 200 || sess.SHA256 != reg.Document.SHA256 || sess.Channel != e.info.Channel {
		t.Fatalf("session: %d %s", code, body)
	}
	code, content, _ := e.do(t, "GET", "/v1/documents/"+reg.Document.ID+"/content?token="+tok, nil)
	if code != 200 || !strings.HasPrefix(string(content), "document of") {
		t.Fatalf("content: %d", code)
	}

	code, body = e.post(t, "/v1/callbacks/scan", e.callback(t, tok, bob, "sign", ""))
	var res api.CallbackResult
	json.Unmarshal(body, &res)
	if code != 200 || res.TxID == "" || res.BlockNumber <= reg.BlockNumber || res.ValidationCode != "VALID" ||
		res.DocumentStatus != model.StatusCompleted || res.Replayed {
		t.Fatalf("scan: %d %s", code, body)
	}
	code, body, _ = e.do(t, "GET", "/v1/documents/"+reg.Document.ID+"/provenance", nil, "X-API-Key", e.key)
	var prov api.Provenance
	json.Unmarshal(body, &prov)
	if code != 200 || len(prov.Events) != 3 {
		t.Fatalf("provenance: %d %s", code, body)
	}
	sig := prov.Events[1]
	if sig.Event.Type != model.EventSignatureRecorded || sig.Event.TxID != res.TxID || sig.BlockNumber != res.BlockNumber ||
		sig.SubmitterMSP != e.org.MSPID || !strings.Contains(sig.SignerSubject, "CN="+bob.id) {
		t.Fatalf("provenance event %+v", sig)
	}
	if prov.Events[0].BlockNumber != reg.BlockNumber {
		t.Fatalf("registration block %d, want %d", prov.Events[0].BlockNumber, reg.BlockNumber)
	}

	// qscc agrees on the block (a fresh gateway client has no memory of the commit).
	peer := e.org.Peers[0]
	fresh, err := ledger.Dial(ledger.Options{Endpoint: peer.Address, ServerName: peer.HostName, TLSCACertFile: peer.TLSCACert,
		MSPID: e.org.MSPID, CertFile: e.org.Client.CertFile, KeyFile: e.org.Client.KeyFile, Channel: e.info.Channel,
		Chaincode: e.info.Chaincode})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if b, err := fresh.BlockOfTx(context.Background(), res.TxID); err != nil || b != res.BlockNumber {
		t.Fatalf("qscc block %d %v, want %d", b, err, res.BlockNumber)
	}

	// A retried callback returns the first result and records nothing.
	before := e.events(t, reg.Document.ID)
	code, body = e.post(t, "/v1/callbacks/scan", e.callback(t, tok, bob, "sign", ""))
	var again api.CallbackResult
	json.Unmarshal(body, &again)
	if code != 200 || !again.Replayed || again.TxID != res.TxID || again.BlockNumber != res.BlockNumber {
		t.Fatalf("retry: %d %s", code, body)
	}
	// The same nonce for another action is refused.
	code, body = e.post(t, "/v1/callbacks/scan", e.callback(t, tok, bob, "decline", "changed my mind"))
	wantCode(t, code, body, 409, "NONCE_REUSED")
	if got := e.events(t, reg.Document.ID); got != before {
		t.Fatalf("events %d, want %d", got, before)
	}
}

func TestBadCallbacksLeaveTheLedgerUnchanged(t *testing.T) {
	e := setup(t)
	alice, carol, mallory := e.enroll(t, "alice"), e.enroll(t, "carol"), e.enroll(t, "mallory")
	reg := e.upload(t, alice.spec(e, 1), carol.spec(e, 2))
	id := reg.Document.ID
	aliceTok, carolTok := reg.Signing[0].Token, reg.Signing[1].Token
	claims, _ := token.Peek(aliceTok)

	forged := claims
	forged.Nonce = randHex(16)
	forgedTok, _ := token.Sign([]byte(strings.Repeat("k", 32)), forged)
	expired := claims
	expired.Nonce, expired.Expiry = randHex(16), time.Now().Add(-time.Minute).Unix()
	expiredTok, _ := token.Sign(e.tokenKey, expired)

	cases := []struct {
		name   string
		body   api.CallbackRequest
		status int
		code   string
	}{
		{"forged token is 401 TOKEN_INVALID", e.callback(t, forgedTok, alice, "sign", ""), 401, "TOKEN_INVALID"},
		{"expired token is 410 TOKEN_EXPIRED", e.callback(t, expiredTok, alice, "sign", ""), 410, "TOKEN_EXPIRED"},
		{"another person's certificate is 403 NOT_A_SIGNER", e.callback(t, aliceTok, mallory, "sign", ""), 403, "NOT_A_SIGNER"},
		{"second routing order before the first is 409 OUT_OF_TURN", e.callback(t, carolTok, carol, "sign", ""), 409, "OUT_OF_TURN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.events(t, id)
			code, body := e.post(t, "/v1/callbacks/scan", tc.body)
			wantCode(t, code, body, tc.status, tc.code)
			if got := e.events(t, id); got != before {
				t.Fatalf("events %d, want %d", got, before)
			}
		})
	}
	t.Run("replayed callback after success returns the first tx and adds nothing", func(t *testing.T) {
		code, body := e.post(t, "/v1/callbacks/scan", e.callback(t, aliceTok, alice, "sign", ""))
		var first api.CallbackResult
		json.Unmarshal(body, &first)
		if code != 200 || first.Replayed {
			t.Fatalf("%d %s", code, body)
		}
		before := e.events(t, id)
		for i := 0; i < 2; i++ {
			code, body = e.post(t, "/v1/callbacks/scan", e.callback(t, aliceTok, alice, "sign", ""))
			var r api.CallbackResult
			json.Unmarshal(body, &r)
			if code != 200 || !r.Replayed || r.TxID != first.TxID {
				t.Fatalf("%d %s", code, body)
			}
		}
		if got := e.events(t, id); got != before {
			t.Fatalf("events %d, want %d", got, before)
		}
	})
	t.Run("concurrent duplicates commit once", func(t *testing.T) {
		before := e.events(t, id)
		var wg sync.WaitGroup
		results := make([]api.CallbackResult, 6)
		codes := make([]int, 6)
		for i := range results {
			body := e.callback(t, carolTok, carol, "sign", "")
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, b := e.post(t, "/v1/callbacks/scan", body)
				codes[i] = c
				json.Unmarshal(b, &results[i])
			}(i)
		}
		wg.Wait()
		fresh := 0
		for i, r := range results {
			if codes[i] != 200 || r.TxID != results[0].TxID {
				t.Fatalf("duplicate %d: %d %+v", i, codes[i], r)
			}
			if !r.Replayed {
				fresh++
			}
		}
		// carol's signature and DocumentCompleted: two events, one transaction.
		if got := e.events(t, id); fresh != 1 || got != before+2 {
			t.Fatalf("fresh %d, events %d→%d", fresh, before, got)
		}
	})
}

func TestEventsStreamLiveChaincodeEventsAndCheckpoint(t *testing.T) {
	e := setup(t)
	dan := e.enroll(t, "dan")
	reg := e.upload(t, dan.spec(e, 1))
	req, _ := http.NewRequest("GET", e.url+"/v1/documents/"+reg.Document.ID+"/events", nil)
	req.Header.Set("X-API-Key", e.key)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := resp.Body.Read(buf)
			acc += string(buf[:n])
			for {
				i := strings.IndexByte(acc, '\n')
				if i < 0 {
					break
				}
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				return
			}
		}
	}()
	waitFor := func(want string) {
		t.Helper()
		for l := range lines {
			if l == want {
				return
			}
		}
		t.Fatalf("stream ended before %q", want)
	}
	waitFor("event: DocumentRegistered") // history
	waitFor(": live")
	code, body := e.post(t, "/v1/callbacks/scan", e.callback(t, reg.Signing[0].Token, dan, "sign", ""))
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	waitFor("event: SignatureRecorded") // live, from the chaincode event
	waitFor("event: DocumentCompleted")
	if st, err := os.Stat(filepath.Join(e.dir, "events.checkpoint")); err != nil || st.Size() == 0 {
		t.Fatalf("checkpoint: %v", err)
	}
}

// metric reads one unlabelled gauge from the relay's /metrics.
func (e *env) metric(t *testing.T, name string) float64 {
	t.Helper()
	_, body, _ := e.do(t, "GET", "/metrics", nil, "Authorization", "Bearer "+e.metrics)
	for _, line := range strings.Split(string(body), "\n") {
		var v float64
		if n, _ := fmt.Sscanf(line, name+" %g", &v); n == 1 {
			return v
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestRestartedRelayResumesChaincodeEventsFromItsCheckpoint(t *testing.T) {
	e := setup(t)
	erin := e.enroll(t, "erin")
	e.upload(t, erin.spec(e, 1)) // at least one event checkpointed
	// Stop the relay; commit a transaction it cannot see; start it again.
	e.proc.Signal(os.Interrupt)
	e.proc.Wait()
	req, _ := json.Marshal(model.RegisterDocumentRequest{ID: "while-down-" + e.run, SHA256: strings.Repeat("ab", 32), Size: 1,
		MediaType: "text/plain", Title: "registered while the relay was down", DocType: "note", Owner: "it",
		Signers: []model.SignerSpec{erin.spec(e, 1)}, ExpiresAt: time.Now().Add(time.Hour).UTC()})
	_, c, err := e.contract.SubmitAsync("RegisterDocument", client.WithArguments(string(req)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status()
	if err != nil || !st.Successful {
		t.Fatalf("%v %+v", err, st)
	}
	if err := e.launch(); err != nil {
		t.Fatal(err)
	}
	// The restarted relay handles the event of that block (it would never see
	// it if it started from the newest block). Poll, with a generous bound.
	deadline := time.Now().Add(60 * time.Second)
	for e.metric(t, "qrsign_relay_chaincode_event_block") < float64(st.BlockNumber) {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted relay never handled block %d", st.BlockNumber)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// It resumed from the checkpoint: the first event it handled is not after
	// the transaction committed while it was down (from the newest block it
	// would start later).
	if first := e.metric(t, "qrsign_relay_chaincode_event_first_block"); first < 0 || first > float64(st.BlockNumber) {
		t.Fatalf("first event block after restart %v, want ≤ %d", first, st.BlockNumber)
	}
}

// Parallel signers of one document sign at the same moment. Their
// transactions may read what the others write (an MVCC read conflict at
// commit); the relay retries those with fresh transactions, so every signer
// gets a committed result and the document completes exactly once.
func TestParallelSignersOfOneDocumentAllCommit(t *testing.T) {
	e := setup(t)
	const n = 6
	people := make([]*person, n)
	specs := make([]model.SignerSpec, n)
	for i := range people {
		people[i] = e.enroll(t, "par")
		specs[i] = people[i].spec(e, 1)
	}
	reg := e.upload(t, specs...)
	bodies := make([]api.CallbackRequest, n)
	for i := range people {
		bodies[i] = e.callback(t, reg.Signing[i].Token, people[i], "sign", "")
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	outs := make([][]byte, n)
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i], outs[i] = e.post(t, "/v1/callbacks/scan", bodies[i])
		}(i)
	}
	wg.Wait()
	completed := 0
	for i := range codes {
		var r api.CallbackResult
		json.Unmarshal(outs[i], &r)
		if codes[i] != 200 || r.Replayed || r.ValidationCode != "VALID" {
			t.Fatalf("signer %d: %d %s", i, codes[i], outs[i])
		}
		if r.DocumentStatus == model.StatusCompleted {
			completed++
		}
	}
	_, m, _ := e.do(t, "GET", "/metrics", nil, "Authorization", "Bearer "+e.metrics)
	for _, l := range strings.Split(string(m), "\n") {
		if strings.HasPrefix(l, "qrsign_relay_invalidated_total{") {
			t.Logf("relay so far: %s", l)
		}
	}
	// registered + n signatures + completed
	if got := e.events(t, reg.Document.ID); got != n+2 || completed != 1 {
		t.Fatalf("events %d (want %d), completed answers %d (want 1)", got, n+2, completed)
	}
}
