package flow_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/httpapi"
	"github.com/qrsign/qrsign/relay/internal/fakeledger"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/session"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// loginRelay is the real relay HTTP API over a fake ledger that trusts ca for Org1MSP.
func loginRelay(t *testing.T, ca *testpki.CA) (*httptest.Server, *relayapi.Client) {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Org, cfg.PublicURL, cfg.DataDir, cfg.TokenKeyFile = "org1", srv.URL, dir, filepath.Join(dir, "token.key")
	cfg.Gateway = config.Gateway{Endpoint: "127.0.0.1:7051", MSPID: "Org1MSP", TLSCACertFile: "x", CertFile: "x", KeyFile: "x",
		Timeouts: cfg.Gateway.Timeouts}
	cfg.SignerWasm = filepath.Join(dir, "signer.wasm") // served by relay/web, not by what this tests: stand-ins
	for _, f := range []string{cfg.SignerWasm, filepath.Join(dir, config.WasmExec)} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	led := fakeledger.New()
	led.Trust = map[string]*model.OrgTrust{"Org1MSP": {MSPID: "Org1MSP", CAs: []model.SignerCA{{
		Fingerprint: payload.Fingerprint(ca.Cert.Raw), CertPEM: ca.PEM()}}}}
	key, err := cfg.LoadTokenKey()
	if err != nil {
		t.Fatal(err)
	}
	iss, _ := session.NewIssuer(key, cfg.SessionTTL.D())
	blobs, _ := blob.NewFS(filepath.Join(dir, "blobs"), cfg.MaxDocumentBytes)
	svc := service.New(led, blobs, iss, cfg.Channel, cfg.PublicURL)
	// The relay's clock (sign-in checks the certificates at it): an hour into the CA's validity.
	now := ca.Cert.NotBefore.Add(time.Hour)
	led.Now = func() time.Time { return now }
	svc.Now = led.Now
	h = httpapi.New(&cfg, svc, httpapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()
	rc, _ := relayapi.New(srv.URL)
	return srv, rc
}

func loginScanner(t *testing.T, ca *testpki.CA, id string, p *recordingPrompt) *flow.Scanner {
	t.Helper()
	ident := ca.Signer(id)
	key, cert := ident.Key, []byte(ident.CertPEM)
	ks := &keystore.Keystore{Dir: t.TempDir(), KDF: keystore.KDF{N: 1 << 14, R: 8, P: 1}}
	if err := ks.Save(keystore.Identity{ID: id}, key, cert, []byte(ca.PEM()), []byte("pw"), false); err != nil {
		t.Fatal(err)
	}
	return &flow.Scanner{Keystore: ks, Prompt: p, Out: &bytes.Buffer{}}
}

func TestLoginSignsTheDesktopIn(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	srv, rc := loginRelay(t, ca)
	ctx := context.Background()
	ch, err := rc.CreateLoginChallenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := loginScanner(t, ca, "alice", p)
	out, err := s.Login(ctx, flow.LoginRequest{QR: ch.URL})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Signer != (api.LoginSigner{MSPID: "Org1MSP", ID: "alice"}) || out.Result.ChallengeID != ch.ChallengeID {
		t.Fatalf("result %+v", out.Result)
	}
	if len(p.asked) != 1 || p.asked[0] != "Sign in to "+srv.URL+" as alice?" || p.unlocked != 1 {
		t.Fatalf("asked %q, unlocked %d", p.asked, p.unlocked)
	}
	shown := s.Out.(*bytes.Buffer).String()
	// Where the challenge was asked for (this test's HTTP client) is shown before confirming.
	for _, want := range []string{"Sign in to: " + srv.URL, "Match code: " + ch.MatchCode, "As:         alice",
		"Asked from: 127.0.0.1 at ", "Browser:    Go-http-client/"} {
		if !strings.Contains(shown, want) {
			t.Errorf("output lacks %q:\n%s", want, shown)
		}
	}
	poll, err := rc.PollLogin(ctx, ch.ChallengeID, ch.PollToken)
	if err != nil || poll.Status != "approved" || poll.Session == nil || poll.Session.Signer.ID != "alice" {
		t.Fatalf("poll %+v %v", poll, err)
	}
	// The same QR again: the relay approved it once.
	_, err = s.Login(ctx, flow.LoginRequest{QR: ch.URL})
	var pr *api.Problem
	if !errors.As(err, &pr) || pr.Code != "NONCE_REUSED" || pr.Status != 409 {
		t.Fatalf("second login: %v", err)
	}
}

func TestLoginRefusesBeforeSigning(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	srv, rc := loginRelay(t, ca)
	ctx := context.Background()
	ch, err := rc.CreateLoginChallenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		qr   string
		yes  bool
		want error
		text string
	}{
		{"a signing QR is not a sign-in QR", srv.URL + "/s/abc.def", true, flow.ErrNotLoginQR,
			"this QR code is not a qrsign sign-in code (want a URL ending in /l/<token>)"},
		{"a QR pointing elsewhere than the relay's own URL is refused", strings.Replace(ch.URL, "127.0.0.1", "localhost", 1), true,
			flow.ErrSessionMismatch, "the relay's session does not match the QR code: the relay calls itself \"" + srv.URL + "\", the QR points to localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]},
		{"a person who says no signs nothing", ch.URL, false, flow.ErrNotConfirmed, "not confirmed; nothing was signed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &recordingPrompt{yes: tc.yes, secret: "pw"}
			s := loginScanner(t, ca, "alice", p)
			_, err := s.Login(ctx, flow.LoginRequest{QR: tc.qr})
			if !errors.Is(err, tc.want) || err.Error() != tc.text {
				t.Fatalf("got %v, want %q", err, tc.text)
			}
			if p.unlocked != 0 {
				t.Fatal("the key was unlocked")
			}
		})
	}
	// Nothing was signed: the desktop still waits.
	if poll, err := rc.PollLogin(ctx, ch.ChallengeID, ch.PollToken); err != nil || poll.Status != "pending" {
		t.Fatalf("poll %+v %v", poll, err)
	}
}
