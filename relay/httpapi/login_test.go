package httpapi

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
)

// loginProof signs the login challenge behind tok as s, over HTTP as a scanner would.
func (h *harness) loginProof(tok string, cert []byte, sign func([]byte) []byte, chain string) api.LoginCallbackRequest {
	h.t.Helper()
	info := decode[api.LoginInfo](h.t, h.do("GET", "/v1/login/"+tok, nil))
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeLogin, Channel: info.Channel, DocumentID: info.ChallengeID,
		DocumentSHA256: info.SHA256, Nonce: info.Nonce, SignerFingerprint: payload.Fingerprint(cert)})
	if err != nil {
		h.t.Fatal(err)
	}
	return api.LoginCallbackRequest{Token: tok, CertChainPEM: chain, Signature: base64.StdEncoding.EncodeToString(sign(msg)),
		Algorithm: model.AlgECDSAP256DER}
}

func TestLoginScopesSessionToItsSigner(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t)
	h.srv = New(h.cfg, h.svc, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h.register("d1", model.SignerSpec{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1})
	h.register("d2", model.SignerSpec{ID: "bob", MSPID: "Org1MSP", RoutingOrder: 1})
	alice := h.ca.Signer("alice")

	rec := h.do("POST", "/v1/login/challenges", nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	ch := decode[api.LoginChallenge](t, rec)
	if !strings.HasPrefix(ch.URL, "http://relay.test/l/") || ch.QRURL != "/v1/login/challenges/"+ch.ChallengeID+"/qr.png" {
		t.Fatalf("challenge %+v", ch)
	}
	if rec := h.do("GET", ch.QRURL, nil); rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || rec.Header().Get("X-Match-Code") != ch.MatchCode {
		t.Fatalf("qr: %d %v", rec.Code, rec.Header())
	}
	poll := func() *bytes.Buffer {
		return h.do("GET", "/v1/login/challenges/"+ch.ChallengeID, nil, "Authorization", "Bearer "+ch.PollToken).Body
	}
	if b := poll().String(); b != "{\"status\":\"pending\"}\n" {
		t.Fatalf("poll: %s", b)
	}
	req := h.loginProof(ch.Token, alice.Cert.Raw, func(m []byte) []byte {
		sig, _ := sigalg.Sign(model.AlgECDSAP256DER, alice.Key, m)
		return sig
	}, alice.CertPEM)
	rec = h.doJSON("POST", "/v1/callbacks/login", req)
	if rec.Code != 200 || rec.Body.String() != `{"challengeId":"`+ch.ChallengeID+`","signer":{"mspId":"Org1MSP","id":"alice"}}`+"\n" {
		t.Fatalf("callback: %d %s", rec.Code, rec.Body)
	}
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/login", req), http.StatusConflict, "NONCE_REUSED")
	var pr api.LoginPoll
	pr = decode[api.LoginPoll](t, h.do("GET", "/v1/login/challenges/"+ch.ChallengeID, nil, "Authorization", "Bearer "+ch.PollToken))
	if pr.Status != "approved" || pr.Session == nil {
		t.Fatalf("poll: %+v", pr)
	}
	sess := "Bearer " + pr.Session.Token
	page := decode[api.RecordsPage](t, h.do("GET", "/v1/signers/Org1MSP/alice/records", nil, "Authorization", sess))
	if len(page.Records) != 1 || page.Records[0].ID != "d1" {
		t.Fatalf("alice's records: %+v", page)
	}
	if rec := h.do("GET", "/v1/signers/Org1MSP/alice/pending?format=csv", nil, "Authorization", sess); rec.Code != 200 || !strings.Contains(rec.Body.String(), "d1") {
		t.Fatalf("alice's pending export: %d %s", rec.Code, rec.Body)
	}
	for _, p := range []string{"/v1/signers/Org1MSP/bob/records", "/v1/signers/Org2MSP/alice/pending", "/v1/documents/d1",
		"/v1/owners/alice/records", "/v1/documents/d1/provenance"} {
		p := wantProblem(t, h.do("GET", p, nil, "Authorization", sess), http.StatusForbidden, "SESSION_SCOPE")
		if !strings.HasPrefix(p.Detail, "this sign-in session reads only") && !strings.HasPrefix(p.Detail, "a sign-in session reads only") {
			t.Fatalf("detail %q", p.Detail)
		}
	}
	if rec := h.do("POST", "/v1/login/logout", nil, "Authorization", sess); rec.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
	wantProblem(t, h.do("GET", "/v1/signers/Org1MSP/alice/records", nil, "Authorization", sess), http.StatusUnauthorized, "UNAUTHORIZED")
	// An API key still reads every signer's records.
	if rec := h.do("GET", "/v1/signers/Org1MSP/bob/records", nil, "Authorization", "Bearer "+readKey); rec.Code != 200 {
		t.Fatalf("api key: %d", rec.Code)
	}
	for _, secret := range []string{ch.Token, ch.PollToken, pr.Session.Token, req.Signature} {
		if strings.Contains(logs.String(), secret) || strings.Contains(h.ops.String(), secret) {
			t.Fatalf("a secret reached the logs: %s", secret[:8])
		}
	}
	if !strings.Contains(h.ops.String(), `"who":"Org1MSP/alice","clientIp":"192.0.2.1","op":"login","documentId":"`+ch.ChallengeID+`","result":"ok"`) {
		t.Fatalf("op log: %s", h.ops)
	}
}

func TestLoginRefusals(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Login.ChallengeBurst = 2 })
	ch := decode[api.LoginChallenge](t, h.do("POST", "/v1/login/challenges", nil))
	tests := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		code, detail             string
	}{
		{"a forged token is refused", "GET", "/v1/login/" + ch.Token + "x", "", nil, 401, "TOKEN_INVALID", "the sign-in token is not valid"},
		{"a poll without the poll token is refused", "GET", "/v1/login/challenges/" + ch.ChallengeID, "", nil, 401, "UNAUTHORIZED",
			"the poll token of this challenge is required (Authorization: Bearer <pollToken>)"},
		{"an unknown challenge is not found", "GET", "/v1/login/challenges/nope", "", []string{"Authorization", "Bearer " + ch.PollToken}, 404, "NOT_FOUND",
			"no such sign-in challenge on this relay (it may have expired)"},
		{"an unknown field in the callback is refused", "POST", "/v1/callbacks/login", `{"token":"x","extra":1}`, nil, 400, "BAD_REQUEST",
			`request JSON: unknown field "extra"`},
		{"logout without a session is refused", "POST", "/v1/login/logout", "", []string{"Authorization", "Bearer qls_nothing"}, 401, "UNAUTHORIZED",
			"the sign-in session is not valid: it expired, was signed out, or the relay restarted; sign in again"},
		{"a QR of an unknown challenge is not found", "GET", "/v1/login/challenges/nope/qr.png", "", nil, 404, "NOT_FOUND",
			"no such open sign-in challenge on this relay (it may have expired)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := append([]string{"Content-Type", "application/json"}, tc.hdr...)
			p := wantProblem(t, h.do(tc.method, tc.path, strings.NewReader(tc.body), hdr...), tc.status, tc.code)
			if p.Detail != tc.detail {
				t.Fatalf("detail %q, want %q", p.Detail, tc.detail)
			}
		})
	}
	t.Run("challenge creation is rate-limited per client", func(t *testing.T) {
		h.do("POST", "/v1/login/challenges", nil) // the burst of 2 is spent now
		rec := h.do("POST", "/v1/login/challenges", nil)
		wantProblem(t, rec, http.StatusTooManyRequests, "RATE_LIMITED")
		if rec.Header().Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	})
	t.Run("an expired challenge is gone", func(t *testing.T) {
		h.advance(2 * time.Minute)
		wantProblem(t, h.do("GET", "/v1/login/"+ch.Token, nil), http.StatusGone, "TOKEN_EXPIRED")
		wantProblem(t, h.do("GET", "/v1/login/challenges/"+ch.ChallengeID, nil, "Authorization", "Bearer "+ch.PollToken), http.StatusGone, "TOKEN_EXPIRED")
	})
}

// The scanner is shown where the challenge was asked for; a session whose
// certificate its org then revokes on the ledger ends at its next use (after
// the 30 s trust cache) with 401 SESSION_REVOKED.
func TestLoginShowsTheRequesterAndEndsRevokedSessions(t *testing.T) {
	h := newHarness(t)
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet})
	alice := h.ca.Signer("alice")
	ch := decode[api.LoginChallenge](t, h.do("POST", "/v1/login/challenges", nil, "User-Agent", "Mozilla/5.0 (phish\x01ing)"))
	info := decode[api.LoginInfo](t, h.do("GET", "/v1/login/"+ch.Token, nil))
	if r := info.Requester; r.IP != "192.0.2.1" || r.UserAgent != `Mozilla/5.0 (phish\u0001ing)` || !r.CreatedAt.Equal(h.clock().Truncate(time.Second)) {
		t.Fatalf("requester %+v", r)
	}
	req := h.loginProof(ch.Token, alice.Cert.Raw, func(m []byte) []byte {
		sig, _ := sigalg.Sign(model.AlgECDSAP256DER, alice.Key, m)
		return sig
	}, alice.CertPEM)
	if rec := h.doJSON("POST", "/v1/callbacks/login", req); rec.Code != 200 {
		t.Fatalf("callback: %d %s", rec.Code, rec.Body)
	}
	pr := decode[api.LoginPoll](t, h.do("GET", "/v1/login/challenges/"+ch.ChallengeID, nil, "Authorization", "Bearer "+ch.PollToken))
	sess := "Bearer " + pr.Session.Token
	if rec := h.do("GET", "/v1/signers/Org1MSP/alice/records", nil, "Authorization", sess); rec.Code != 200 {
		t.Fatalf("before revocation: %d %s", rec.Code, rec.Body)
	}
	h.ledger.Trust["Org1MSP"].CRLs = []model.CRLInfo{{CAFingerprint: payload.Fingerprint(h.ca.Cert.Raw), Number: "2",
		RevokedSerials: []string{alice.Cert.SerialNumber.Text(16)}}}
	h.advance(31 * time.Second)
	wantProblem(t, h.do("GET", "/v1/signers/Org1MSP/alice/records", nil, "Authorization", sess), 401, "SESSION_REVOKED")
	wantProblem(t, h.do("GET", "/v1/signers/Org1MSP/alice/records", nil, "Authorization", sess), 401, "UNAUTHORIZED")
}

// doFrom sends a request as if from addr (host:port).
func (h *harness) doFrom(addr, method, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// One host is routinely given a whole IPv6 /64: its addresses share one
// bucket and one cap on held challenges, so they cannot fill the relay's
// table (here 500) and lock every other signer out with LOGIN_BUSY.
func TestLoginChallengesAreLimitedPerNetwork(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Login.MaxPending = 500 })
	created := 0
	for i := range 1000 {
		rec := h.doFrom(fmt.Sprintf("[2001:db8:aa:bb::%x]:4000", i+1), "POST", "/v1/login/challenges")
		switch rec.Code {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("address %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if max := 2 * h.cfg.Login.ChallengeBurst; created == 0 || created > max {
		t.Fatalf("one /64 created %d challenges, want 1..%d", created, max)
	}
	for _, addr := range []string{"198.51.100.7:5000", "[2001:db8:aa:bc::1]:5000", "[2001:db8:aa:bb::1]:5000"} {
		rec := h.doFrom(addr, "POST", "/v1/login/challenges")
		if addr == "[2001:db8:aa:bb::1]:5000" { // the same /64 again
			wantProblem(t, rec, http.StatusTooManyRequests, "RATE_LIMITED")
			continue
		}
		if rec.Code != http.StatusCreated {
			t.Fatalf("another client (%s): %d %s", addr, rec.Code, rec.Body)
		}
	}
}

// The bucket refills (here at once), but one client still holds at most
// twice its burst of challenges until they expire.
func TestLoginCapsOneClientsOpenChallenges(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Login.ChallengeBurst, c.Login.ChallengesPerMinute = 3, 1e9 })
	for i := range 6 {
		if rec := h.doFrom(fmt.Sprintf("192.0.2.9:%d", 1000+i), "POST", "/v1/login/challenges"); rec.Code != http.StatusCreated {
			t.Fatalf("challenge %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := h.doFrom("192.0.2.9:2000", "POST", "/v1/login/challenges")
	p := wantProblem(t, rec, http.StatusTooManyRequests, "RATE_LIMITED")
	if p.Detail != "this client holds 6 open sign-in challenges; use one or wait for one to expire" || rec.Header().Get("Retry-After") != "120" {
		t.Fatalf("detail %q, Retry-After %q", p.Detail, rec.Header().Get("Retry-After"))
	}
	if rec := h.doFrom("192.0.2.10:2000", "POST", "/v1/login/challenges"); rec.Code != http.StatusCreated {
		t.Fatalf("another address: %d %s", rec.Code, rec.Body)
	}
	h.advance(2 * time.Minute)
	if rec := h.doFrom("192.0.2.9:2001", "POST", "/v1/login/challenges"); rec.Code != http.StatusCreated {
		t.Fatalf("after they expired: %d %s", rec.Code, rec.Body)
	}
}

func TestClientKeyIsTheIPv6Network(t *testing.T) {
	for in, want := range map[string]string{"192.0.2.1": "192.0.2.1", "::ffff:192.0.2.1": "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "2001:db8:1:2::9": "2001:db8:1:2::/64", "fe80::1%eth0": "fe80::/64",
		"not an ip": "not an ip"} {
		if got := networkKey(in); got != want {
			t.Errorf("networkKey(%q) = %q, want %q", in, got, want)
		}
	}
}
