//go:build integration

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/login/proof"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/relayapi"

	"github.com/qrsign/qrsign/relay/api"
)

// call sends a request to the org's relay with an optional bearer and returns status and body.
func (e *env) call(t *testing.T, method, path, bearer string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, e.org.Relay.URL+path, bytes.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// challenge starts a sign-in as the records page does.
func (e *env) challenge(t *testing.T) *api.LoginChallenge {
	t.Helper()
	st, b := e.call(t, "POST", "/v1/login/challenges", "", nil)
	if st != http.StatusCreated {
		t.Fatalf("create challenge: HTTP %d %s", st, b)
	}
	var ch api.LoginChallenge
	if err := json.Unmarshal(b, &ch); err != nil {
		t.Fatal(err)
	}
	return &ch
}

func (e *env) poll(t *testing.T, ch *api.LoginChallenge) (int, *api.LoginPoll, []byte) {
	t.Helper()
	st, b := e.call(t, "GET", "/v1/login/challenges/"+ch.ChallengeID, ch.PollToken, nil)
	var p api.LoginPoll
	json.Unmarshal(b, &p)
	return st, &p, b
}

// login runs the real `qrsign login <png>` as s.
func (s *signer) login(t *testing.T, png string, extra ...string) result {
	t.Helper()
	return run(t, s.pass+"\n", append([]string{"login", png, "--yes", "--passphrase-stdin", "--home", s.home}, extra...)...)
}

// Sign-in with QR end to end: a Fabric-CA-enrolled signer scans the login QR
// (decoded by zbarimg and by the qrsign binary itself), the desktop's poll
// gets a session that reads that signer's records and nothing else.
func TestLoginWithQR(t *testing.T) {
	e := setup(t)
	alice, bob := e.enroll(t, "alice"), e.enroll(t, "bob")
	doc := e.upload(t, "Sign-in records", content("login"), []*signer{alice}, []int{1})
	e.upload(t, "Bob's", content("login-bob"), []*signer{bob}, []int{1})

	t0 := time.Now()
	ch := e.challenge(t)
	url, png := e.scanQRFile(t, ch.QRURL)
	if url != ch.URL || !strings.HasPrefix(url, e.org.Relay.URL+"/l/") {
		t.Fatalf("the QR reads %q, the challenge says %q", url, ch.URL)
	}
	if st, p, b := e.poll(t, ch); st != 200 || p.Status != "pending" {
		t.Fatalf("poll before: %d %s", st, b)
	}
	t1 := time.Now()
	res := alice.login(t, png)
	tLogin := time.Since(t1)
	// Before confirming, qrsign shows where the challenge was asked for (this test's HTTP client).
	if res.code != 0 || !strings.Contains(res.stdout, "Signed in as "+e.org.MSPID+"/"+alice.id) ||
		!strings.Contains(res.stdout, "Match code: "+ch.MatchCode) || !strings.Contains(res.stdout, "Asked from: 127.0.0.1 at ") ||
		!strings.Contains(res.stdout, "Browser:    Go-http-client/") {
		t.Fatalf("qrsign login: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	st, p, b := e.poll(t, ch)
	if st != 200 || p.Status != "approved" || p.Session == nil || p.Session.Signer.ID != alice.id || p.Session.Signer.MSPID != e.org.MSPID {
		t.Fatalf("poll after: %d %s", st, b)
	}
	sess := p.Session.Token
	st, b = e.call(t, "GET", "/v1/signers/"+e.org.MSPID+"/"+alice.id+"/records", sess, nil)
	total := time.Since(t0)
	if st != 200 || !strings.Contains(string(b), doc.Document.ID) {
		t.Fatalf("alice's records with the session: %d %s", st, b)
	}
	t.Logf("login round trip (challenge, QR png, zbarimg, qrsign login process, poll, records): %v; qrsign login process alone: %v",
		total.Round(time.Millisecond), tLogin.Round(time.Millisecond))
	if st, b := e.call(t, "GET", "/v1/signers/"+e.org.MSPID+"/"+alice.id+"/pending?format=csv", sess, nil); st != 200 || !strings.Contains(string(b), doc.Document.ID) {
		t.Fatalf("alice's pending export: %d %s", st, b)
	}
	for _, path := range []string{"/v1/signers/" + e.org.MSPID + "/" + bob.id + "/records", "/v1/documents/" + doc.Document.ID} {
		if st, b := e.call(t, "GET", path, sess, nil); st != 403 || problemCode(b) != "SESSION_SCOPE" {
			t.Fatalf("%s with alice's session: %d %s, want 403 SESSION_SCOPE", path, st, b)
		}
	}
	// The session is handed out once; the QR signs in once.
	if st, _, b := e.poll(t, ch); st != 409 || problemCode(b) != "NONCE_REUSED" {
		t.Fatalf("second poll: %d %s", st, b)
	}
	if res := alice.login(t, png); res.code != 4 || !strings.Contains(res.stderr, "NONCE_REUSED") {
		t.Fatalf("qrsign login on a used QR: exit %d, want 4 NONCE_REUSED\n%s", res.code, res.stderr)
	}
	if st, b := e.call(t, "POST", "/v1/login/logout", sess, nil); st != 204 {
		t.Fatalf("logout: %d %s", st, b)
	}
	if st, b := e.call(t, "GET", "/v1/signers/"+e.org.MSPID+"/"+alice.id+"/records", sess, nil); st != 401 || problemCode(b) != "UNAUTHORIZED" {
		t.Fatalf("records after logout: %d %s", st, b)
	}
}

// An exact replay of a successful login callback is refused (409), and the
// challenge approves exactly once.
func TestLoginCallbackReplay(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	ch := e.challenge(t)
	rc, _ := relayapi.New(e.org.Relay.URL)
	info, err := rc.LoginInfo(context.Background(), ch.Token)
	if err != nil {
		t.Fatal(err)
	}
	ks := keystore.New(alice.home)
	key, err := ks.Unlock([]byte(alice.pass))
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := ks.Cert()
	chain, _ := ks.SubmitChainPEM()
	msg, err := payload.Build(proof.Fields(info.Channel, info.RelayURL, info.ChallengeID, info.Nonce, payload.Fingerprint(cert.Raw)))
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	body, _ := json.Marshal(api.LoginCallbackRequest{Token: ch.Token, CertChainPEM: chain,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER})
	// Two identical callbacks at once: exactly one signs in.
	type answer struct {
		st   int
		b    []byte
		took time.Duration
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			t0 := time.Now()
			req, _ := http.NewRequest("POST", e.org.Relay.URL+"/v1/callbacks/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := e.http.Do(req)
			if err != nil {
				answers <- answer{st: -1, b: []byte(err.Error())}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- answer{resp.StatusCode, b, time.Since(t0)}
		}()
	}
	a1, a2 := <-answers, <-answers
	if a1.st == 409 {
		a1, a2 = a2, a1
	}
	if a1.st != 200 || a2.st != 409 || problemCode(a2.b) != "NONCE_REUSED" {
		t.Fatalf("concurrent callbacks: %d %s and %d %s; want one 200 and one 409 NONCE_REUSED", a1.st, a1.b, a2.st, a2.b)
	}
	t.Logf("login callback (ledger GetOrgTrust + chain, CRL and signature checks): %v", a1.took.Round(time.Millisecond))
	if st, b := e.call(t, "POST", "/v1/callbacks/login", "", body); st != 409 || problemCode(b) != "NONCE_REUSED" {
		t.Fatalf("replayed callback: %d %s, want 409 NONCE_REUSED", st, b)
	}
}

// A signer of another org is refused by this relay unless they name their
// org, whose ledger-registered CA then vouches for them.
func TestLoginOtherOrgSigner(t *testing.T) {
	e := setup(t)
	if len(e.info.Orgs) < 2 {
		t.Fatal("the network needs two orgs")
	}
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	dave := other.enroll(t, "dave")
	ch := e.challenge(t)
	_, png := e.scanQRFile(t, ch.QRURL)
	if res := dave.login(t, png); res.code != 4 || !strings.Contains(res.stderr, "UNTRUSTED_CHAIN") {
		t.Fatalf("dave of %s at %s's relay: exit %d, want 4 UNTRUSTED_CHAIN\n%s", dave.msp, e.org.MSPID, res.code, res.stderr)
	}
	if res := dave.login(t, png, "--msp", dave.msp); res.code != 0 || !strings.Contains(res.stdout, "Signed in as "+dave.msp+"/"+dave.id) {
		t.Fatalf("dave with --msp: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if st, p, b := e.poll(t, ch); st != 200 || p.Session == nil || p.Session.Signer.MSPID != dave.msp {
		t.Fatalf("poll: %d %s", st, b)
	}
}

// A signer the org revoked in its Fabric CA, with the CRL published on the
// ledger, cannot sign in; the desktop keeps waiting.
func TestLoginRevokedSignerRefused(t *testing.T) {
	e := setup(t)
	erin := e.enroll(t, "erin")
	e.revoke(t, erin.id)
	ch := e.challenge(t)
	_, png := e.scanQRFile(t, ch.QRURL)
	if res := erin.login(t, png); res.code != 4 || !strings.Contains(res.stderr, "CERT_REVOKED") {
		t.Fatalf("revoked erin: exit %d, want 4 CERT_REVOKED\n%s%s", res.code, res.stdout, res.stderr)
	}
	if st, p, b := e.poll(t, ch); st != 200 || p.Status != "pending" {
		t.Fatalf("poll after a refused sign-in: %d %s", st, b)
	}
}

// A session outlives nothing: once the org revokes the signer in its Fabric
// CA and publishes the CRL on the ledger, the session's next use (within the
// relay's 30 s trust cache) is 401 SESSION_REVOKED, and the session is gone.
func TestLoginSessionEndsWhenTheSignerIsRevoked(t *testing.T) {
	e := setup(t)
	fay := e.enroll(t, "fay")
	ch := e.challenge(t)
	_, png := e.scanQRFile(t, ch.QRURL)
	if res := fay.login(t, png); res.code != 0 {
		t.Fatalf("qrsign login: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	st, p, b := e.poll(t, ch)
	if st != 200 || p.Session == nil {
		t.Fatalf("poll: %d %s", st, b)
	}
	records := "/v1/signers/" + e.org.MSPID + "/" + fay.id + "/records"
	if st, b := e.call(t, "GET", records, p.Session.Token, nil); st != 200 {
		t.Fatalf("records before revocation: %d %s", st, b)
	}
	e.revoke(t, fay.id)
	start := time.Now()
	for {
		st, b := e.call(t, "GET", records, p.Session.Token, nil)
		if st == 401 && problemCode(b) == "SESSION_REVOKED" {
			break
		}
		if st != 200 || time.Since(start) > 2*time.Minute {
			t.Fatalf("records after revocation: %d %s (after %v)", st, b, time.Since(start).Round(time.Second))
		}
		time.Sleep(time.Second)
	}
	t.Logf("session refused %v after the CRL was committed (trust cache 30 s)", time.Since(start).Round(time.Second))
	if st, b := e.call(t, "GET", records, p.Session.Token, nil); st != 401 || problemCode(b) != "UNAUTHORIZED" {
		t.Fatalf("the revoked session lives on: %d %s", st, b)
	}
}

// Five refused callbacks burn a challenge on the real relay: the sixth,
// even a valid one, is 409 LOGIN_LOCKED.
func TestLoginChallengeBurnsAfterFiveRefusals(t *testing.T) {
	e := setup(t)
	gus := e.enroll(t, "gus")
	ch := e.challenge(t)
	for i := range 5 {
		body := []byte(`{"token":"` + ch.Token + `","certChainPem":"junk","signature":"AAAA","algorithm":"ECDSA_P256_SHA256_DER"}`)
		if st, b := e.call(t, "POST", "/v1/callbacks/login", "", body); st != 422 || problemCode(b) != "BAD_CERTIFICATE" {
			t.Fatalf("refusal %d: %d %s", i+1, st, b)
		}
	}
	if res := gus.login(t, ch.URL); res.code == 0 || !strings.Contains(res.stderr, "LOGIN_LOCKED") {
		t.Fatalf("a valid sign-in on a burned QR: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
