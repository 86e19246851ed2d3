//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/token"
)

// upload → QR PNG → zbarimg → qrsign scan → the ledger holds the signature
// in the tx and block the callback returned → qrsign verify agrees.
func TestScanToSignRecordsOnTheLedger(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	doc := e.upload(t, "Lease 12 Main St", content("lease"), []*signer{alice}, []int{1})
	id := doc.Document.ID
	link, qrURL := doc.link(t, alice)
	url := e.scanQR(t, qrURL)
	if !strings.Contains(url, "/s/") {
		t.Fatalf("QR holds %q, not a session URL", url)
	}
	_ = link // the upload's link and the QR's may carry different tokens (a fresh session per QR)

	start := time.Now()
	res, cb := alice.scan(t, "scan", url)
	if cb == nil {
		t.Fatalf("qrsign scan: exit %d\n%s", res.code, res.stderr)
	}
	t.Logf("qrsign scan (process start to exit, incl. download, scrypt unlock, commit wait): %s; tx %s block %d",
		time.Since(start).Round(time.Millisecond), cb.TxID, cb.BlockNumber)
	if cb.ValidationCode != "VALID" || cb.EventType != model.EventSignatureRecorded || cb.DocumentStatus != model.StatusCompleted || cb.Replayed {
		t.Fatalf("callback result %+v", cb)
	}
	for _, want := range []string{"Lease 12 Main St", doc.Document.SHA256, "matches the QR code"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("qrsign did not show %q:\n%s", want, res.stderr)
		}
	}

	p := e.provenance(t, id)
	if got := eventTypes(p); !slices.Equal(got, []string{"DocumentRegistered", "SignatureRecorded", "DocumentCompleted"}) {
		t.Fatalf("events %v", got)
	}
	sig := p.Events[1]
	if sig.Event.TxID != cb.TxID || sig.BlockNumber != cb.BlockNumber || sig.ValidationCode != "VALID" {
		t.Fatalf("ledger has tx %s block %d (%s); callback said tx %s block %d", sig.Event.TxID, sig.BlockNumber,
			sig.ValidationCode, cb.TxID, cb.BlockNumber)
	}
	if ev := sig.Event.Signature; ev.Signer.ID != alice.id || ev.Algorithm != model.AlgECDSAP256DER {
		t.Fatalf("evidence %+v", ev)
	}
	if p.Document.Status != model.StatusCompleted || p.Document.Signers[0].TxID != cb.TxID {
		t.Fatalf("document %+v", p.Document.Document)
	}

	v := e.verifyCLI(t, id, url)
	if v.code != 0 || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	t.Logf("qrsign verify:\n%s", v.stdout)
	// The same with the org's API key instead of the signer's session.
	v = runEnv(t, []string{"QRSIGN_API_KEY=" + e.org.Relay.APIKey}, "", "verify", id, "--relay", e.org.Relay.URL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify with the API key: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	// Without a CA for the signer's org there is no VERIFIED (M5).
	v = run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", url, "--channel", e.info.Channel)
	if v.code != 6 || !strings.Contains(v.stderr, "UNVERIFIED: no trusted CA for "+e.org.MSPID) {
		t.Fatalf("qrsign verify without --ca-cert: exit %d, want 6\n%s%s", v.code, v.stdout, v.stderr)
	}
	// --trust-ledger-cas with nothing but the relay being checked is still UNVERIFIED.
	v = run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", url, "--trust-ledger-cas", "--channel", e.info.Channel)
	if v.code != 6 || !strings.Contains(v.stdout, "would take its CA only from the relay being checked") {
		t.Fatalf("qrsign verify --trust-ledger-cas alone: exit %d, want 6\n%s%s", v.code, v.stdout, v.stderr)
	}
	// Against another org's CA (claimed to be this org's) the chains do not verify: exit 6.
	other := e.info.Orgs[len(e.info.Orgs)-1]
	if other.Name != e.org.Name {
		v = run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", url, "--ca-cert", e.org.MSPID+"="+other.CA.CACertFile, "--channel", e.info.Channel)
		if v.code != 6 || !strings.Contains(v.stdout, "FAIL") {
			t.Fatalf("qrsign verify against %s's CA: exit %d, want 6\n%s%s", other.Name, v.code, v.stdout, v.stderr)
		}
	}

	// The QR is one-use: scanning it again is refused and writes nothing.
	again, cb2 := alice.scan(t, "scan", url)
	if cb2 != nil && !cb2.Replayed {
		t.Fatalf("a second scan recorded again: %+v", cb2)
	}
	if cb2 == nil && (again.code != 4 || !strings.Contains(again.stderr, "NONCE_REUSED")) {
		t.Fatalf("second scan: exit %d, want 4 with NONCE_REUSED:\n%s", again.code, again.stderr)
	}
	t.Logf("second scan of the same QR: exit %d %s", again.code, strings.TrimSpace(again.stderr[strings.LastIndex(again.stderr, "qrsign"):]))
	if n := len(e.provenance(t, id).Events); n != 3 {
		t.Fatalf("%d events after a repeated scan, want 3", n)
	}
}

// Routing 1 then 2: the second signer first is OUT_OF_TURN and writes nothing.
func TestSequentialRouting(t *testing.T) {
	e := setup(t)
	alice, bob := e.enroll(t, "alice"), e.enroll(t, "bob")
	doc := e.upload(t, "Sequential", content("seq"), []*signer{alice, bob}, []int{1, 2})
	id := doc.Document.ID
	_, aliceQR := doc.link(t, alice)
	_, bobQR := doc.link(t, bob)
	aliceURL, bobURL := e.scanQR(t, aliceQR), e.scanQR(t, bobQR)

	res, cb := bob.scan(t, "scan", bobURL)
	if cb != nil || res.code != 4 || !strings.Contains(res.stderr, "OUT_OF_TURN") {
		t.Fatalf("bob before alice: exit %d %+v, want 4 with OUT_OF_TURN:\n%s", res.code, cb, res.stderr)
	}
	if got := eventTypes(e.provenance(t, id)); !slices.Equal(got, []string{"DocumentRegistered"}) {
		t.Fatalf("ledger changed by an out-of-turn scan: %v", got)
	}

	if res, cb := alice.scan(t, "scan", aliceURL); cb == nil || cb.DocumentStatus != "PENDING" {
		t.Fatalf("alice: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	// bob's QR was never used: the rejected attempt consumed no nonce.
	res, cb = bob.scan(t, "scan", bobURL)
	if cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("bob after alice: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	p := e.provenance(t, id)
	if got := eventTypes(p); !slices.Equal(got, []string{"DocumentRegistered", "SignatureRecorded", "SignatureRecorded", "DocumentCompleted"}) {
		t.Fatalf("events %v", got)
	}
	if p.Events[1].Event.Signature.Signer.ID != alice.id || p.Events[2].Event.Signature.Signer.ID != bob.id {
		t.Fatal("signatures not in routing order")
	}
	if v := e.verifyCLI(t, id, aliceURL); v.code != 0 {
		t.Fatalf("qrsign verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// Both order 1: either may sign first; the document completes after both.
func TestParallelRouting(t *testing.T) {
	e := setup(t)
	alice, bob := e.enroll(t, "alice"), e.enroll(t, "bob")
	doc := e.upload(t, "Parallel", content("par"), []*signer{alice, bob}, []int{1, 1})
	_, aliceQR := doc.link(t, alice)
	_, bobQR := doc.link(t, bob)
	aliceURL := e.scanQR(t, aliceQR)
	_, bobPNG := e.scanQRFile(t, bobQR)

	// bob hands qrsign the image itself: it decodes the PNG (pure Go) on its own.
	if res, cb := bob.scan(t, "scan", bobPNG); cb == nil || cb.DocumentStatus != "PENDING" {
		t.Fatalf("bob: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	res, cb := alice.scan(t, "scan", aliceURL)
	if cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("alice: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	p := e.provenance(t, doc.Document.ID)
	if p.Document.Status != model.StatusCompleted || p.Document.ClosedTxID != cb.TxID {
		t.Fatalf("document %+v", p.Document.Document)
	}
	if v := e.verifyCLI(t, doc.Document.ID, aliceURL); v.code != 0 {
		t.Fatalf("qrsign verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// A decline is signed with its reason bound, and closes the document.
func TestDeclineBindsTheReason(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	doc := e.upload(t, "To decline", content("decline"), []*signer{alice}, []int{1})
	_, qr := doc.link(t, alice)
	url := e.scanQR(t, qr)
	res, cb := alice.scan(t, "decline", url, "--reason", "the rent is wrong")
	if cb == nil || cb.EventType != model.EventSignatureDeclined || cb.DocumentStatus != "DECLINED" {
		t.Fatalf("decline: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	p := e.provenance(t, doc.Document.ID)
	if r := p.Events[1].Event.Signature.Reason; r != "the rent is wrong" {
		t.Fatalf("reason on the ledger %q", r)
	}
	if v := e.verifyCLI(t, doc.Document.ID, url); v.code != 0 {
		t.Fatalf("qrsign verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// The relay's stored bytes are altered after registration: the client
// refuses before asking anything, and the ledger is unchanged.
func TestTamperedContentIsRefused(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	doc := e.upload(t, "Tampered", content("tamper"), []*signer{alice}, []int{1})
	_, qr := doc.link(t, alice)
	url := e.scanQR(t, qr)
	path := e.blobPath(t, doc.Document.SHA256)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("blob of %s not where relay/blob puts it: %v", doc.Document.ID, err)
	}
	if err := os.WriteFile(path, []byte("%PDF-1.7\n% the rent is doubled\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, cb := alice.scan(t, "scan", url)
	if cb != nil || res.code != 3 || !strings.Contains(res.stderr, "REFUSED: the content's SHA-256") {
		t.Fatalf("tampered content: exit %d %+v, want 3 and REFUSED:\n%s", res.code, cb, res.stderr)
	}
	if got := eventTypes(e.provenance(t, doc.Document.ID)); !slices.Equal(got, []string{"DocumentRegistered"}) {
		t.Fatalf("ledger changed: %v", got)
	}
}

// Bad requests through the API get their stable codes and write nothing.
func TestBadRequestsChangeNothing(t *testing.T) {
	e := setup(t)
	alice, bob := e.enroll(t, "alice"), e.enroll(t, "bob")
	doc := e.upload(t, "Bad cases", content("bad"), []*signer{alice}, []int{1})
	id := doc.Document.ID
	_, qr := doc.link(t, alice)
	url := e.scanQR(t, qr)

	cases := []struct {
		name   string
		do     func() (int, string)
		status int
		code   string
	}{
		{"upload without an API key", func() (int, string) {
			s, b := e.uploadRaw(t, "", map[string]any{"title": "x"}, []byte("x"))
			return s, problemCode(b)
		}, 401, "UNAUTHORIZED"},
		{"upload with a wrong API key", func() (int, string) {
			s, b := e.uploadRaw(t, strings.Repeat("0", 64), map[string]any{"title": "x"}, []byte("x"))
			return s, problemCode(b)
		}, 401, "UNAUTHORIZED"},
		{"upload with an invalid signer", func() (int, string) {
			s, b := e.uploadRaw(t, e.org.Relay.APIKey, map[string]any{"title": "x", "docType": "contract", "owner": "app",
				"signers": []model.SignerSpec{{ID: "bad id!", MSPID: e.org.MSPID, RoutingOrder: 1}}}, []byte("x"))
			return s, problemCode(b)
		}, 400, "INVALID_FIELD"},
		{"a session for a forged token", func() (int, string) {
			s, b := e.get(t, "/v1/sessions/"+forge(url))
			return s, problemCode(b)
		}, 401, "TOKEN_INVALID"},
		{"a session for an expired token", func() (int, string) {
			s, b := e.get(t, "/v1/sessions/"+token.FromURL(e.expired(t, url)))
			return s, problemCode(b)
		}, 410, "TOKEN_EXPIRED"},
		{"qrsign scan of an expired QR", func() (int, string) {
			res, cb := alice.scan(t, "scan", e.expired(t, url))
			if cb != nil || res.code != 4 || !strings.Contains(res.stderr, "TOKEN_EXPIRED") {
				return 0, fmt.Sprintf("exit %d: %s", res.code, res.stderr)
			}
			return 410, "TOKEN_EXPIRED"
		}, 410, "TOKEN_EXPIRED"},
		{"the provenance of an unknown document", func() (int, string) {
			s, b := e.get(t, "/v1/documents/"+unique("nosuch")+"/provenance")
			return s, problemCode(b)
		}, 404, ""},
		{"a callback signed by another signer's key", func() (int, string) {
			return callback(t, e, bob, url, "sign", "")
		}, 403, "NOT_A_SIGNER"},
		{"a callback whose signature is over another document", func() (int, string) {
			return callback(t, e, alice, url, "sign", "wrong-payload")
		}, 422, "BAD_SIGNATURE"},
		{"a callback with a self-made certificate", func() (int, string) {
			return callback(t, e, alice, url, "sign", "self-signed")
		}, 422, "UNTRUSTED_CHAIN"},
		{"a callback with an unknown action", func() (int, string) {
			return callback(t, e, alice, url, "approve", "")
		}, 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, code := tc.do()
			if status != tc.status || (tc.code != "" && code != tc.code) {
				t.Fatalf("HTTP %d %s, want %d %s", status, code, tc.status, tc.code)
			}
		})
	}
	if got := eventTypes(e.provenance(t, id)); !slices.Equal(got, []string{"DocumentRegistered"}) {
		t.Fatalf("ledger changed by bad requests: %v", got)
	}
	// After all that the genuine signer can still sign with the same QR.
	if res, cb := alice.scan(t, "scan", url); cb == nil {
		t.Fatalf("genuine scan after bad requests: exit %d\n%s", res.code, res.stderr)
	}
}

func problemCode(b []byte) string {
	var p struct {
		Code string `json:"code"`
	}
	json.Unmarshal(b, &p)
	return p.Code
}
