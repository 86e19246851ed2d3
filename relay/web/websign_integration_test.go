//go:build integration

package web_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/signer/qrscan"
	"github.com/qrsign/qrsign/relay/web"
)

// localURL is the site under "localhost": WebAuthn refuses IP-address
// origins, and localhost is a secure context for WebCrypto too.
func (s *site) localURL() string { return strings.Replace(s.srv.URL, "127.0.0.1", "localhost", 1) }

// registerSigner registers a new signer with the org's real Fabric CA (a
// one-time secret, as `network register-signer` makes) and returns its id
// and secret.
func (s *site) registerSigner(t *testing.T, prefix string) (string, string) {
	t.Helper()
	id := unique(prefix)
	secret := "otp-" + hex.EncodeToString([]byte(id))[:16]
	if err := s.org.RegisterSigner(s.info.BinDir, id, secret); err != nil {
		t.Fatalf("register %s: %v", id, err)
	}
	return id, secret
}

// batchSessionPath is the path (/s/<token>) of signer's batch session QR,
// read from the relay's PNG as a phone's camera would.
func (s *site) batchSessionPath(t *testing.T, batchID string, signer model.SignerSpec) string {
	t.Helper()
	png := s.relayBytes(t, "/v1/batches/"+url.PathEscape(batchID)+"/qr.png?signer="+url.QueryEscape(signer.MSPID+"/"+signer.ID))
	text, err := qrscan.Decode(png)
	if err != nil {
		t.Fatalf("batch QR: %v", err)
	}
	u, err := url.Parse(text)
	if err != nil || !strings.HasPrefix(u.Path, "/s/") {
		t.Fatalf("the batch QR says %q (%v)", text, err)
	}
	return u.Path
}

// provenance reads the document and its events from the ledger through the relay.
func (s *site) provenance(t *testing.T, id string) *api.Provenance {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.org.Relay.URL+"/v1/documents/"+id+"/provenance", nil)
	req.Header.Set("Authorization", "Bearer "+s.org.Relay.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("provenance %s: HTTP %d: %s", id, resp.StatusCode, b)
	}
	var p api.Provenance
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// answered checks on the ledger that signer answered doc with the browser's
// raw P-256 signature: the signer's state, and the event the chaincode
// appended after verifying it (with the same certificate the page holds).
func (s *site) answered(t *testing.T, docID, signerID string, want model.SignerStatus, eventType model.EventType) *model.SignatureEvidence {
	t.Helper()
	p := s.provenance(t, docID)
	var st *model.SignerState
	for i := range p.Document.Signers {
		if p.Document.Signers[i].ID == signerID {
			st = &p.Document.Signers[i]
		}
	}
	if st == nil || st.Status != want {
		t.Fatalf("ledger: signer %s of %s is %+v, want %s", signerID, docID, st, want)
	}
	for _, e := range p.Events {
		if e.Event.Type == eventType && e.Event.Signature != nil && e.Event.Signature.Signer.ID == signerID {
			sig := e.Event.Signature
			if e.ValidationCode != "VALID" || sig.Algorithm != model.AlgECDSAP256Raw || e.BlockNumber == 0 {
				t.Fatalf("ledger event %+v: want VALID %s in a block", e, model.AlgECDSAP256Raw)
			}
			if sig.CertFingerprint != st.CertFingerprint {
				t.Fatalf("event certificate %s, signer state %s", sig.CertFingerprint, st.CertFingerprint)
			}
			return sig
		}
	}
	t.Fatalf("ledger: no %s event by %s on %s", eventType, signerID, docID)
	return nil
}

func (p *page) fill(id, value string) {
	p.t.Helper()
	p.eval(`(() => { const e = document.getElementById(`+jsString(id)+`); e.value = `+jsString(value)+`;
		e.dispatchEvent(new Event("input", {bubbles: true})); })()`, nil)
}

func (p *page) click(id string) {
	p.t.Helper()
	p.eval(`document.getElementById(`+jsString(id)+`).click()`, nil)
}

// fits fails the test if the page is wider than the 375 px phone.
func (p *page) fits() {
	p.t.Helper()
	var w int
	p.eval(`document.documentElement.scrollWidth`, &w)
	if w > 375 {
		p.t.Errorf("the page is %d px wide on a 375 px phone", w)
	}
}

type timings struct {
	TotalMs, EnrollRequestMs, CallbackMs int
}

// The mobile signer page on the real network: enroll a browser key with the
// org's real Fabric CA through the relay, sign and decline with it, and find
// the chaincode-verified signatures on the ledger.
func TestMobileSignerInChromium(t *testing.T) {
	s := newSite(t)
	b := launchChromium(t)
	p := b.page(t)
	p.phone(true)
	base := s.localURL()

	t.Run("the JS payload matches chaincode/payload's vectors and its raw low-S signatures verify in Go", func(t *testing.T) {
		p.t = t
		raw, err := os.ReadFile(filepath.Join("..", "..", "chaincode", "payload", "testdata", "vectors.json"))
		if err != nil {
			t.Fatal(err)
		}
		var vf struct {
			Keys map[string]struct {
				PrivateKeyPkcs8Pem, CertPem string
			} `json:"keys"`
			Vectors []struct {
				Name       string          `json:"name"`
				Fields     json.RawMessage `json:"fields"`
				PayloadHex string          `json:"payloadHex"`
			} `json:"vectors"`
		}
		if err := json.Unmarshal(raw, &vf); err != nil {
			t.Fatal(err)
		}
		p.navigate(base + "/verify") // any page: the scripts are loaded below
		p.eval(`Promise.all(["payload.js", "csr.js", "keys.js"].map((n) => new Promise((ok, fail) => {
			const src = [...document.querySelectorAll("script")].find((e) => e.src.includes("common.js")).src.replace("common.js", n);
			const e = document.createElement("script"); e.src = src; e.onload = ok; e.onerror = fail; document.head.append(e);
		}))).then(() => true)`, nil)
		if len(vf.Vectors) == 0 {
			t.Fatal("no vectors")
		}
		for _, v := range vf.Vectors {
			got := p.text(`(() => { try { return Array.from(QRPayload.build(` + string(v.Fields) + `), (x) => x.toString(16).padStart(2, "0")).join(""); }
				catch (e) { return "error: " + e.message; } })()`)
			if got != v.PayloadHex {
				t.Errorf("vector %s: JS payload %s, want %s", v.Name, got, v.PayloadHex)
			}
		}
		// Checks as in Go: the same error texts.
		for expr, want := range map[string]string{
			`{purpose: "sign", channel: "c", documentId: "d", documentSha256: "AB", nonce: "n", signerFingerprint: "x"}`:                                                                         "payload: sha256 and signer must be 64 lowercase hex characters",
			`{purpose: "sign", channel: "c", documentId: "d", documentSha256: "` + strings.Repeat("a", 64) + `", nonce: "n", signerFingerprint: "` + strings.Repeat("b", 64) + `", reason: "r"}`: "payload: reason is bound only for decline and batch-decline",
			`{purpose: "vote", channel: "c", documentId: "d", nonce: "n"}`:                                                                                                                       `payload: unknown purpose "vote"`,
		} {
			if got := p.text(`(() => { try { QRPayload.build(` + expr + `); return "built"; } catch (e) { return e.message; } })()`); got != want {
				t.Errorf("build(%s) = %q, want %q", expr, got, want)
			}
		}

		// Sign the first vector's payload 32 times with the published test key
		// (about half of raw ECDSA signatures are high-S): each must pass
		// sigalg's RAW check, which refuses high-S, as the chaincode does.
		k := vf.Keys["ecdsa-p256"]
		blk, _ := pem.Decode([]byte(k.PrivateKeyPkcs8Pem))
		cb, _ := pem.Decode([]byte(k.CertPem))
		cert, err := x509.ParseCertificate(cb.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := hex.DecodeString(vf.Vectors[0].PayloadHex)
		var sigs []string
		p.eval(`(async () => {
			const key = await crypto.subtle.importKey("pkcs8", QRCsr.unb64(`+jsString(base64.StdEncoding.EncodeToString(blk.Bytes))+`),
				{name: "ECDSA", namedCurve: "P-256"}, false, ["sign"]);
			const msg = Uint8Array.from(`+jsString(vf.Vectors[0].PayloadHex)+`.match(/../g), (h) => parseInt(h, 16));
			const out = [];
			for (let i = 0; i < 32; i++) out.push(QRCsr.b64(await QRKeys.sign(key, msg)));
			return out;
		})()`, &sigs)
		if len(sigs) != 32 {
			t.Fatalf("%d signatures", len(sigs))
		}
		for _, sb := range sigs {
			sig, _ := base64.StdEncoding.DecodeString(sb)
			if err := sigalg.Verify(model.AlgECDSAP256Raw, cert.PublicKey, msg, sig); err != nil {
				t.Fatalf("a browser signature fails the chaincode's RAW check: %v", err)
			}
		}
		// The CSR the page builds parses and verifies in Go.
		var csrPEM string
		p.eval(`(async () => { const kp = await crypto.subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, false, ["sign", "verify"]);
			return QRCsr.toPEM("CERTIFICATE REQUEST", await QRCsr.build("alice@example", kp)); })()`, &csrPEM)
		cblk, _ := pem.Decode([]byte(csrPEM))
		csr, err := x509.ParseCertificateRequest(cblk.Bytes)
		if err != nil || csr.CheckSignature() != nil || csr.Subject.CommonName != "alice@example" {
			t.Fatalf("browser CSR: %v / %v / %q", err, csr.CheckSignature(), csr.Subject.CommonName)
		}
		if _, ok := csr.PublicKey.(*ecdsa.PublicKey); !ok {
			t.Fatalf("CSR key %T", csr.PublicKey)
		}
		p.clean()
	})

	t.Run("with a platform authenticator: enroll, sign behind user verification, refuse without it, refuse a used secret", func(t *testing.T) {
		p.t = t
		id, secret := s.registerSigner(t, "webauthn")
		spec := model.SignerSpec{ID: id, MSPID: s.org.MSPID, RoutingOrder: 1}
		reg := s.upload(t, "Employment contract (WebAuthn)", []byte("Employment contract "+unique("w")+"\n"), spec)

		p.call("WebAuthn.enable", map[string]any{"enableUI": false}, nil)
		var va struct{ AuthenticatorID string }
		p.call("WebAuthn.addVirtualAuthenticator", map[string]any{"options": map[string]any{"protocol": "ctap2", "transport": "internal",
			"hasResidentKey": true, "hasUserVerification": true, "isUserVerified": true, "automaticPresenceSimulation": true}}, &va)
		defer func() {
			p.call("WebAuthn.removeVirtualAuthenticator", map[string]any{"authenticatorId": va.AuthenticatorID}, nil)
			p.call("WebAuthn.disable", nil, nil)
		}()

		p.navigate(base + "/s/" + reg.Signing[0].Token)
		p.waitFor(`document.getElementById("check").dataset.state === "verified" && document.getElementById("setup-form")`, "set-up form")
		if mode := p.text(`document.getElementById("setup-form").dataset.mode`); mode != "webauthn" {
			t.Fatalf("set-up mode %q with a UV platform authenticator", mode)
		}
		if got := p.text(`document.getElementById("enroll-id").value`); got != id {
			t.Errorf("enrollment id prefilled with %q, want %s", got, id)
		}
		st := p.signerPage()
		if !st.SignDisabled || st.ScrollWidth > 375 {
			t.Errorf("before set-up: %+v", st)
		}
		p.screenshot("websign-setup-webauthn")
		p.fill("enroll-secret", secret)
		p.click("enroll-btn")
		p.waitFor(`!document.getElementById("sign-btn").disabled`, "enrolled identity")
		var enrollT timings
		p.eval(`QRSetup.timings`, &enrollT)
		t.Logf("enroll in the browser (key, WebAuthn credential, CSR, relay → Fabric CA, IndexedDB): %d ms, of which POST /v1/enroll %d ms", enrollT.TotalMs, enrollT.EnrollRequestMs)
		var stored struct {
			Mode        string
			Extractable bool
			HasWrapped  bool
		}
		p.eval(`QRKeys.get(`+jsString(s.org.MSPID)+`, `+jsString(id)+`).then((r) => ({Mode: r.mode, Extractable: r.privateKey.extractable, HasWrapped: !!r.wrapped}))`, &stored)
		if stored.Mode != "webauthn" || stored.Extractable || stored.HasWrapped {
			t.Fatalf("stored identity %+v: want a non-extractable key in webauthn mode", stored)
		}

		p.click("sign-btn")
		p.waitFor(`document.getElementById("check").dataset.state === "signed"`, "signed")
		var signT timings
		p.eval(`QRSign.timings`, &signT)
		t.Logf("sign round trip in the browser (UV assertion, ECDSA, callback, endorse, commit): %d ms, of which the callback %d ms", signT.TotalMs, signT.CallbackMs)
		if got := p.text(`document.getElementById("res-status").dataset.code`); got != "COMPLETED" {
			t.Errorf("the page shows document status %q", got)
		}
		txOnPage := p.text(`document.getElementById("res-tx").textContent`)
		p.fits()
		p.screenshot("websign-signed-webauthn")
		sig := s.answered(t, reg.Document.ID, id, model.SignerSigned, model.EventSignatureRecorded)
		if p := s.provenance(t, reg.Document.ID); p.Document.Signers[0].TxID != txOnPage {
			t.Errorf("the page shows tx %s, the ledger %s", txOnPage, p.Document.Signers[0].TxID)
		}
		if !strings.Contains(sig.CertSubject, "CN="+id) {
			t.Errorf("signed with certificate %q", sig.CertSubject)
		}
		p.clean()

		// One press behind the screen lock signs a batch of a PDF and a text
		// file: the batch payload, the PDF signature and the .p7s, all with
		// the authenticator-guarded key, all accepted by outside validators.
		validators.Require(t)
		lease := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("wlease") + ") Tj ET")
		notes := []byte("notes " + unique("wnotes") + "\n")
		bid := s.batchOf(t, "Lease and notes (WebAuthn)", []batchFile{
			{"lease.pdf", "Lease (WebAuthn)", model.PDFMediaType, lease}, {"notes.txt", "Notes (WebAuthn)", "text/plain", notes}}, spec)
		p.navigate(base + s.batchSessionPath(t, bid, spec))
		p.waitFor(`!document.getElementById("sign-btn").disabled`, "known identity, batch judged")
		phoneSign(p, "") // the screen lock, no passphrase
		var res api.CallbackResult
		p.eval(`QRSign.result`, &res)
		if len(res.Signed) != 2 || res.Signed[0].Revision == nil || res.Signed[0].Revision.Revision != 1 || res.Signed[1].P7S == nil {
			t.Fatalf("the WebAuthn batch callback made %+v", res.Signed)
		}
		p.clean()
		dir := t.TempDir()
		rev1 := validators.WriteTemp(t, dir, "lease.pdf", s.relayBytes(t, "/v1/documents/"+res.Signed[0].DocumentID+"/signed.pdf?revision=1"))
		validators.QPDF(t, rev1)
		validators.PDFSig(t, validators.NSSTrusting(t, dir, s.org.CA.CACertFile), rev1, []string{id}, validators.Each(1, true))
		validators.Mutool(t, rev1, []string{id}, validators.Each(1, true))
		p7s := validators.WriteTemp(t, dir, "notes.p7s", s.relayBytes(t, "/v1/documents/"+res.Signed[1].DocumentID+"/signatures/1.p7s"))
		if out, ok := validators.CMSVerify(p7s, validators.WriteTemp(t, dir, "notes.txt", notes), s.org.CA.CACertFile); !ok {
			t.Fatalf("openssl cms -verify the WebAuthn .p7s:\n%s", out)
		}

		// Without user verification the page does not sign, and nothing reaches the ledger.
		reg2 := s.upload(t, "Addendum (WebAuthn, no UV)", []byte("Addendum "+unique("w2")+"\n"), spec)
		p.navigate(base + "/s/" + reg2.Signing[0].Token)
		p.waitFor(`!document.getElementById("sign-btn").disabled`, "known identity")
		p.call("WebAuthn.setUserVerified", map[string]any{"authenticatorId": va.AuthenticatorID, "isUserVerified": false}, nil)
		p.click("sign-btn")
		p.waitFor(`document.getElementById("sign-status").dataset.state === "error"`, "refusal without UV")
		if got := p.text(`document.getElementById("sign-status").textContent`); !strings.Contains(got, "did not verify the user") && !strings.Contains(got, "User verification was cancelled or failed") {
			t.Errorf("without UV the page says %q", got)
		}
		s.answered(t, reg.Document.ID, id, model.SignerSigned, model.EventSignatureRecorded)
		if p := s.provenance(t, reg2.Document.ID); p.Document.Signers[0].Status != model.SignerPending {
			t.Errorf("without UV the ledger has %+v", p.Document.Signers[0])
		}
		p.call("WebAuthn.setUserVerified", map[string]any{"authenticatorId": va.AuthenticatorID, "isUserVerified": true}, nil)

		// The one-time secret is spent: after "forget this phone's key" (two
		// presses), setting up again with it is refused by the CA.
		p.click("forget-btn")
		if p.text(`document.getElementById("setup-form") ? "form" : "none"`) != "none" {
			t.Fatal("one press of forget deleted the key")
		}
		p.click("forget-btn")
		p.waitFor(`document.getElementById("setup-form")`, "set-up form again")
		p.fill("enroll-secret", secret)
		p.click("enroll-btn")
		p.waitFor(`document.getElementById("enroll-status").dataset.state === "error"`, "refused enrollment")
		if got := p.text(`document.getElementById("enroll-status").textContent`); !strings.Contains(got, "(ENROLL_REFUSED)") {
			t.Errorf("a used secret: the page says %q", got)
		}
		if !p.signerPage().SignDisabled {
			t.Error("signing is offered after a refused enrollment")
		}
		var n int
		p.eval(`QRKeys.list().then((l) => l.filter((r) => r.enrollmentId === `+jsString(id)+`).length)`, &n)
		if n != 0 {
			t.Errorf("a refused enrollment left %d identities behind", n)
		}
		p.fits()
		p.screenshot("websign-used-secret")
		p.clean()
	})

	t.Run("without one: enroll with a passphrase, refuse a wrong one, sign and decline", func(t *testing.T) {
		p.t = t
		id, secret := s.registerSigner(t, "passphrase")
		spec := model.SignerSpec{ID: id, MSPID: s.org.MSPID, RoutingOrder: 1}
		reg := s.upload(t, "Tenancy agreement (passphrase)", []byte("Tenancy "+unique("p")+"\n"), spec)
		p.navigate(base + "/s/" + reg.Signing[0].Token)
		p.waitFor(`document.getElementById("check").dataset.state === "verified" && document.getElementById("setup-form")`, "set-up form")
		if mode := p.text(`document.getElementById("setup-form").dataset.mode`); mode != "passphrase" {
			t.Fatalf("set-up mode %q without an authenticator", mode)
		}
		// Keyboard: the form is reachable with Tab and every field is labelled.
		var unlabelled []string
		p.eval(`[...document.querySelectorAll("#setup-form input")].filter((i) => !i.labels || i.labels.length === 0).map((i) => i.id)`, &unlabelled)
		if len(unlabelled) > 0 {
			t.Errorf("inputs without a label: %v", unlabelled)
		}
		p.eval(`document.body.focus()`, nil)
		reached := false
		for i := 0; i < 15 && !reached; i++ {
			p.tab()
			reached = p.text(`document.activeElement.id`) == "enroll-secret"
		}
		if !reached {
			t.Error("Tab does not reach the secret field")
		}
		p.fill("enroll-secret", secret)
		p.fill("new-pass", "correct horse battery")
		p.fill("new-pass2", "correct horse battery")
		p.fits()
		p.screenshot("websign-setup-passphrase")
		p.click("enroll-btn")
		p.waitFor(`!document.getElementById("sign-btn").disabled`, "enrolled identity")
		var enrollT timings
		p.eval(`QRSetup.timings`, &enrollT)
		t.Logf("enroll in the browser (key, PBKDF2 600k wrap, CSR, relay → Fabric CA, IndexedDB): %d ms, of which POST /v1/enroll %d ms", enrollT.TotalMs, enrollT.EnrollRequestMs)
		var stored struct {
			Mode           string
			HasPrivate     bool
			Iterations     int
			SaltLen, IVLen int
		}
		p.eval(`QRKeys.get(`+jsString(s.org.MSPID)+`, `+jsString(id)+`).then((r) => ({Mode: r.mode, HasPrivate: !!r.privateKey,
			Iterations: r.wrapped.iterations, SaltLen: r.wrapped.salt.length, IVLen: r.wrapped.iv.length}))`, &stored)
		if stored.Mode != "passphrase" || stored.HasPrivate || stored.Iterations < 600000 || stored.SaltLen != 16 || stored.IVLen != 12 {
			t.Fatalf("stored identity %+v: want only the wrapped key, PBKDF2 >= 600000", stored)
		}

		p.fill("passphrase", "wrong horse battery")
		p.click("sign-btn")
		p.waitFor(`document.getElementById("sign-status").dataset.state === "error"`, "wrong passphrase refused")
		if got := p.text(`document.getElementById("sign-status").textContent`); got != "Wrong passphrase: the key did not unlock." {
			t.Errorf("a wrong passphrase: the page says %q", got)
		}
		p.screenshot("websign-wrong-passphrase")
		if pv := s.provenance(t, reg.Document.ID); pv.Document.Signers[0].Status != model.SignerPending {
			t.Fatalf("after a wrong passphrase the ledger has %+v", pv.Document.Signers[0])
		}
		p.fill("passphrase", "correct horse battery")
		p.click("sign-btn")
		p.waitFor(`document.getElementById("check").dataset.state === "signed"`, "signed")
		var signT timings
		p.eval(`QRSign.timings`, &signT)
		t.Logf("sign round trip in the browser (PBKDF2 600k unwrap, ECDSA, callback, endorse, commit): %d ms, of which the callback %d ms", signT.TotalMs, signT.CallbackMs)
		p.fits()
		p.screenshot("websign-signed-passphrase")
		s.answered(t, reg.Document.ID, id, model.SignerSigned, model.EventSignatureRecorded)
		p.clean()

		// Decline another document with a reason, signed the same way.
		reg2 := s.upload(t, "Side letter (passphrase decline)", []byte("Side letter "+unique("d")+"\n"), spec)
		p.navigate(base + "/s/" + reg2.Signing[0].Token)
		p.waitFor(`!document.getElementById("decline-btn").disabled`, "known identity")
		p.click("decline-btn")
		p.waitFor(`!document.getElementById("reason-field").hidden && document.activeElement.id === "reason"`, "reason field")
		p.fill("reason", "The amount is wrong.")
		p.fill("passphrase", "correct horse battery")
		p.click("decline-btn")
		p.waitFor(`document.getElementById("check").dataset.state === "declined"`, "declined")
		p.screenshot("websign-declined")
		ev := s.answered(t, reg2.Document.ID, id, model.SignerDeclined, model.EventSignatureDeclined)
		if ev.Reason != "The amount is wrong." {
			t.Errorf("declined with reason %q", ev.Reason)
		}
		p.clean()
	})
}

// The phone login page against the login helper's relay side (branch
// "login", relay/login): it needs POST /v1/login/challenges, GET
// /v1/login/{token} and /v1/callbacks/login, so on this branch alone it
// fails at the first request; it passes once both branches are merged.
func TestPhoneLoginInChromium(t *testing.T) {
	s := newSite(t)
	b := launchChromium(t)
	p := b.page(t)
	p.phone(true)
	base := s.localURL()

	ch := newChallenge(t, s.org.Relay.URL)

	id, secret := s.registerSigner(t, "login")
	p.navigate(base + "/l/" + ch.Token)
	p.waitFor(`document.getElementById("setup-form")`, "set-up form")
	if got := p.text(`document.getElementById("match-code").textContent`); got != ch.MatchCode {
		t.Errorf("match code %q, want %q", got, ch.MatchCode)
	}
	// Where the sign-in was asked for (this test's Go client) is shown next to the code.
	if got := p.text(`document.getElementById("requester-ip").textContent + " | " + document.getElementById("requester-ua").textContent`); !strings.HasPrefix(got, "127.0.0.1 · ") || !strings.Contains(got, "| Go-http-client/") {
		t.Errorf("requester %q", got)
	}
	p.fill("enroll-id", id)
	p.fill("enroll-secret", secret)
	if p.text(`document.getElementById("setup-form").dataset.mode`) == "passphrase" {
		p.fill("new-pass", "login passphrase")
		p.fill("new-pass2", "login passphrase")
	}
	p.click("enroll-btn")
	p.waitFor(`!document.getElementById("login-btn").disabled`, "enrolled identity")
	if p.text(`document.getElementById("passphrase") ? "y" : ""`) == "y" {
		p.fill("passphrase", "login passphrase")
	}
	p.screenshot("websign-login-match")
	p.click("login-btn")
	p.waitFor(`document.getElementById("check").dataset.state === "approved"`, "signed in")
	p.screenshot("websign-login-approved")
	p.clean()

	req, _ := http.NewRequest(http.MethodGet, s.org.Relay.URL+"/v1/login/challenges/"+ch.ChallengeID, nil)
	req.Header.Set("Authorization", "Bearer "+ch.PollToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var poll struct {
		Status  string
		Session struct {
			Token  string
			Signer struct{ MSPID, ID string } `json:"signer"`
		}
	}
	json.Unmarshal(body, &poll)
	if poll.Status != "approved" || poll.Session.Signer.ID != id || poll.Session.Token == "" {
		t.Fatalf("poll: %s", body)
	}
	req, _ = http.NewRequest(http.MethodGet, s.org.Relay.URL+"/v1/signers/"+s.org.MSPID+"/"+id+"/records", nil)
	req.Header.Set("Authorization", "Bearer "+poll.Session.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("records with the session: HTTP %d", resp.StatusCode)
	}

	// A second sign-in uses the key already on the phone: no set-up.
	ch2 := newChallenge(t, s.org.Relay.URL)
	p.navigate(base + "/l/" + ch2.Token)
	p.waitFor(`!document.getElementById("login-btn").disabled`, "stored identity")
	if p.text(`document.getElementById("setup-form") ? "form" : ""`) != "" {
		t.Error("the set-up form is shown although the phone has a key")
	}
	if p.text(`document.getElementById("passphrase") ? "y" : ""`) == "y" {
		p.fill("passphrase", "login passphrase")
	}
	p.click("login-btn")
	p.waitFor(`document.getElementById("check").dataset.state === "approved"`, "signed in again")

	// A relay that names another relay in its challenge (a phishing relay
	// relaying someone else's login QR) is refused before anything is signed.
	ch3 := newChallenge(t, s.org.Relay.URL)
	hostile := rewritingSite(t, s, web.Config{PublicURL: s.org.Relay.URL, Channel: s.info.Channel, MSPID: s.org.MSPID},
		func(path string) bool { return strings.HasPrefix(path, "/v1/login/") },
		func(b []byte) ([]byte, error) {
			return bytes.ReplaceAll(b, []byte(s.org.Relay.URL), []byte("https://relay.elsewhere.example")), nil
		})
	p.navigate(strings.Replace(hostile.URL, "127.0.0.1", "localhost", 1) + "/l/" + ch3.Token)
	p.waitFor(`document.getElementById("check").dataset.state === "mismatch"`, "refusal of another relay's challenge")
	if p.text(`document.getElementById("login-section").hidden ? "hidden" : "shown"`) != "hidden" {
		t.Error("the sign-in button is offered for another relay's challenge")
	}
	p.screenshot("websign-login-other-relay")
	p.clean()
}

type challenge struct {
	ChallengeID, Token, URL, MatchCode, PollToken string
}

func newChallenge(t *testing.T, relayURL string) challenge {
	t.Helper()
	resp, err := http.Post(relayURL+"/v1/login/challenges", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/login/challenges: HTTP %d: %s (needs the login branch)", resp.StatusCode, body)
	}
	var ch challenge
	if err := json.Unmarshal(body, &ch); err != nil {
		t.Fatal(err)
	}
	return ch
}
