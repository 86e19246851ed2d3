//go:build integration

package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/network/cluster"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/web"
)

// site is the pages served by web.Handler with /v1/ proxied to the org's real
// relay, as the relay will mount them.
type site struct {
	info  *netinfo.Info
	org   *netinfo.Org
	relay *url.URL
	srv   *httptest.Server
}

func newSite(t *testing.T) *site {
	t.Helper()
	info, err := netinfo.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Orgs) == 0 || info.Orgs[0].Relay == nil || info.Orgs[0].Relay.URL == "" {
		t.Fatal("network.json has no relay for the first org")
	}
	ru, err := url.Parse(info.Orgs[0].Relay.URL)
	if err != nil {
		t.Fatal(err)
	}
	return serveSite(t, info, ru, false)
}

// serveSite starts the pages and the proxy; tamperContent makes the proxy a
// hostile middlebox.
func serveSite(t *testing.T, info *netinfo.Info, ru *url.URL, tamperContent bool) *site {
	t.Helper()
	org := &info.Orgs[0]
	proxy := httputil.NewSingleHostReverseProxy(ru)
	if tamperContent {
		// A hostile middlebox: flips one byte of every document it forwards.
		proxy.ModifyResponse = func(r *http.Response) error {
			if !strings.HasSuffix(r.Request.URL.Path, "/content") || r.StatusCode != http.StatusOK {
				return nil
			}
			b, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				return err
			}
			if len(b) > 0 {
				b[len(b)-1] ^= 0x20
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.Header.Del("Content-Length")
			r.ContentLength = int64(len(b))
			return nil
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", proxy)
	h := web.Handler(web.Config{PublicURL: org.Relay.URL, Channel: info.Channel, MSPID: org.MSPID, Wasm: signerWasm(t)})
	for _, r := range web.Routes {
		mux.Handle(r, h)
	}
	s := &site{info: info, org: org, relay: ru, srv: httptest.NewServer(mux)}
	t.Cleanup(s.srv.Close)
	return s
}

var wasmOnce struct {
	sync.Once
	w   *web.Wasm
	err error
}

// signerWasm builds the phone page's signer module as the network builds it
// for its relays (cluster.BuildSignerWasm), once per test binary.
func signerWasm(t *testing.T) *web.Wasm {
	t.Helper()
	wasmOnce.Do(func() {
		dir, err := os.MkdirTemp("", "qrsign-web-wasm-")
		if err != nil {
			wasmOnce.err = err
			return
		}
		defer os.RemoveAll(dir) // LoadWasm holds the bytes
		out := filepath.Join(dir, "signer.wasm")
		if wasmOnce.err = cluster.BuildSignerWasm(filepath.Join("..", ".."), out); wasmOnce.err == nil {
			wasmOnce.w, wasmOnce.err = web.LoadWasm(out, filepath.Join(dir, "wasm_exec.js"))
		}
	})
	if wasmOnce.err != nil {
		t.Fatal(wasmOnce.err)
	}
	return wasmOnce.w
}

func unique(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", prefix, time.Now().Unix()%1_000_000, hex.EncodeToString(b))
}

// registered is the part of the 201 answer of POST /v1/documents the tests use.
type registered struct {
	Document model.DocumentView `json:"document"`
	Signing  []struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	} `json:"signing"`
}

// upload registers content through the relay's API (not the page).
func (s *site) upload(t *testing.T, title string, content []byte, signers ...model.SignerSpec) *registered {
	t.Helper()
	return s.uploadAs(t, "web-test", title, content, signers...)
}

// uploadAs is upload with the document's owner named.
func (s *site) uploadAs(t *testing.T, owner, title string, content []byte, signers ...model.SignerSpec) *registered {
	t.Helper()
	return s.uploadMedia(t, owner, title, "", content, signers...)
}

// uploadMedia is uploadAs with the media type named ("": the relay's default).
func (s *site) uploadMedia(t *testing.T, owner, title, mediaType string, content []byte, signers ...model.SignerSpec) *registered {
	t.Helper()
	m := map[string]any{"id": unique("web"), "title": title, "docType": "contract", "owner": owner, "signers": signers, "priority": 2}
	if mediaType != "" {
		m["mediaType"] = mediaType
	}
	meta, _ := json.Marshal(m)
	for try := 0; ; try++ {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("metadata", string(meta))
		fw, _ := mw.CreateFormFile("file", "doc.txt")
		fw.Write(content)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, s.org.Relay.URL+"/v1/documents", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+s.org.Relay.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && try < 30 {
			time.Sleep(time.Second) // rate limited or the network is busy: wait as the e2e tests do
			continue
		}
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload: HTTP %d: %s", resp.StatusCode, b)
		}
		var r registered
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
}

// enrolled is a signer with a key and certificate from the org's Fabric CA.
type enrolled struct {
	spec model.SignerSpec
	res  *fabricca.Result
}

// registerUser registers a new identity (id from prefix) with the org's
// Fabric CA and returns its id and enrollment secret.
func (s *site) registerUser(t *testing.T, prefix string) (string, string) {
	t.Helper()
	id := unique(prefix)
	secret := "secret-" + hex.EncodeToString([]byte(id))[:12]
	if err := s.org.RegisterUser(s.info.BinDir, id, secret); err != nil {
		t.Fatalf("register %s: %v", id, err)
	}
	return id, secret
}

// enrollArgs are the arguments of `qrsign enroll` for id into home.
func (s *site) enrollArgs(id, secret, home string) []string {
	return []string{"enroll", "--ca", s.org.CA.URL, "--ca-tls", s.org.CA.TLSCertFile, "--id", id, "--secret", secret,
		"--home", home, "--passphrase-stdin"}
}

// enrollSigner registers a new identity with the org's Fabric CA and enrolls
// it (key made here, CSR sent), as `qrsign enroll` does.
func (s *site) enrollSigner(t *testing.T) *enrolled {
	t.Helper()
	id, secret := s.registerUser(t, "websigner")
	hc, err := fabricca.HTTPClientTrusting(s.org.CA.TLSCertFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&fabricca.Enroller{URL: s.org.CA.URL, HTTP: hc}).Enroll(context.Background(), id, secret)
	if err != nil {
		t.Fatalf("enroll %s: %v", id, err)
	}
	return &enrolled{spec: model.SignerSpec{ID: id, MSPID: s.org.MSPID, RoutingOrder: 1}, res: res}
}

// sign answers the session in tok ("sign" or "decline") with a signature
// over the canonical payload, posted to the relay's scan callback (what the
// qrsign app does).
func (s *site) sign(t *testing.T, e *enrolled, tok, action string) {
	t.Helper()
	var sess struct {
		DocumentID, SHA256, Nonce, Channel string
	}
	getJSON(t, s.org.Relay.URL+"/v1/sessions/"+tok, &sess)
	f := payload.Fields{Purpose: payload.PurposeSign, Channel: sess.Channel, DocumentID: sess.DocumentID,
		DocumentSHA256: sess.SHA256, Nonce: sess.Nonce, SignerFingerprint: payload.Fingerprint(e.res.Cert.Raw)}
	if action == "decline" {
		f.Purpose, f.Reason = payload.PurposeDecline, "wrong amount"
	}
	msg, err := payload.Build(f)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, e.res.Key, msg)
	if err != nil {
		t.Fatal(err)
	}
	chain := string(e.res.CertPEM) + intermediates(e.res.ChainPEM)
	body, _ := json.Marshal(map[string]string{"token": tok, "action": action, "certChainPem": chain,
		"signature": base64.StdEncoding.EncodeToString(sig), "algorithm": string(model.AlgECDSAP256DER), "reason": f.Reason})
	for try := 0; ; try++ {
		resp, err := http.Post(s.org.Relay.URL+"/v1/callbacks/scan", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && try < 30 {
			time.Sleep(time.Second)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("scan callback: HTTP %d: %s", resp.StatusCode, b)
		}
		t.Logf("signed: %s", b)
		return
	}
}

// intermediates keeps the non-self-signed certificates of a CA chain (the
// chaincode wants the signer's chain without the root).
func intermediates(chainPEM []byte) string {
	var out strings.Builder
	for rest := chainPEM; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return out.String()
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil || (bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil) {
			continue
		}
		out.Write(pem.EncodeToMemory(blk))
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// One browser serves all scenarios: launching it is the slow part.
func TestPagesInChromium(t *testing.T) {
	s := newSite(t)
	b := launchChromium(t)
	p := b.page(t)

	// The key lives in the tab's session storage, as after the user pasted it.
	p.navigate(s.srv.URL + "/app/")
	p.eval(`sessionStorage.setItem("qrsign.apiKey", `+jsString(s.org.Relay.APIKey)+`)`, nil)

	// The contrast check used by clean() catches faint text.
	var low []string
	p.eval(`(() => { const e = document.createElement("p"); e.id = "probe"; e.textContent = "faint probe";
		e.style.color = "#aaaaaa"; document.querySelector("main").append(e); })()`, nil)
	p.eval(lowContrastJS, &low)
	p.eval(`document.getElementById("probe").remove()`, nil)
	if len(low) != 1 || !strings.Contains(low[0], "faint probe") {
		t.Fatalf("the contrast check found %q, want only the faint probe", low)
	}

	t.Run("verify page says match for the registered file and mismatch for a tampered one", func(t *testing.T) {
		p.t = t
		content := []byte("Service agreement " + unique("v") + "\nThe parties agree.\n")
		reg := s.upload(t, "Service agreement (verify test)", content,
			model.SignerSpec{ID: unique("nobody"), MSPID: s.org.MSPID, RoutingOrder: 1})
		id := reg.Document.ID

		// Verification is public (GET /v1/verify): the record shows without a key.
		p.eval(`sessionStorage.removeItem("qrsign.apiKey")`, nil)
		p.navigate(s.srv.URL + "/verify?doc=" + id)
		p.waitFor(`document.getElementById("outcome").dataset.state === "found"`, "record found without a key")
		if !strings.Contains(p.text(`document.getElementById("checks-body").innerText`), "ok") || p.text(`String(document.getElementById("history").hidden)`) != "true" {
			t.Errorf("without a key: checks %q, history hidden %s", p.text(`document.getElementById("checks-body").innerText`),
				p.text(`String(document.getElementById("history").hidden)`))
		}
		// A read key in the tab adds the full event history.
		p.eval(`document.getElementById("api-key").value = `+jsString(s.org.Relay.APIKey)+`;
			document.getElementById("verify-submit").click()`, nil)
		p.waitFor(`document.getElementById("outcome").dataset.state === "found" && !document.getElementById("history").hidden`, "record with history")
		if got := p.text(`document.getElementById("events-body").innerText`); !strings.Contains(got, "Registered") ||
			p.text(`String(document.querySelector('#events-body tr[data-type="DocumentRegistered"]') !== null)`) != "true" {
			t.Errorf("history lacks the registration: %q", got)
		}

		p.setFiles("#file", writeFile(t, "agreement.txt", content))
		p.waitFor(`document.getElementById("outcome").dataset.state === "match"`, "match")
		if got := p.text(`document.getElementById("file-hash").innerText`); !strings.Contains(got, reg.Document.SHA256) {
			t.Errorf("the page shows hash %q, want %s", got, reg.Document.SHA256)
		}
		p.screenshot("verify-match")

		tampered := bytes.Replace(content, []byte("agree"), []byte("disagree"), 1)
		p.setFiles("#file", writeFile(t, "agreement-tampered.txt", tampered))
		p.waitFor(`document.getElementById("outcome").dataset.state === "mismatch"`, "mismatch")
		if got := p.text(`document.getElementById("outcome").innerText`); !strings.Contains(got, "Mismatch") {
			t.Errorf("outcome %q does not say Mismatch", got)
		}
		p.screenshot("verify-mismatch")
		p.clean()
	})

	t.Run("desktop page shows the QR after an upload and turns to signed when the signer signs", func(t *testing.T) {
		p.t = t
		signer := s.enrollSigner(t)
		p.navigate(s.srv.URL + "/app/")
		p.setFiles("#files", writeFile(t, "purchase-order.txt", []byte("Purchase order "+unique("po")+"\n")))
		p.eval(`(() => {
			const set = (el, v) => { el.value = v; el.dispatchEvent(new Event("input", {bubbles: true})); };
			set(document.getElementById("title"), "Purchase order 4711");
			document.getElementById("priority").value = "5";
			const row = document.querySelector("#signer-rows tr");
			set(row.querySelector('[name="mspId"]'), `+jsString(signer.spec.MSPID)+`);
			set(row.querySelector('[name="signerId"]'), `+jsString(signer.spec.ID)+`);
			document.getElementById("upload-submit").click();
		})()`, nil)
		sel := `document.querySelector('[data-signer="` + signer.spec.MSPID + "/" + signer.spec.ID + `"]')`
		p.waitFor(sel+` && `+sel+`.querySelector(".qr-box img") && `+sel+`.querySelector(".qr-box img").naturalWidth > 0`, "QR image")
		code := p.text(sel + `.querySelector(".code-line strong").textContent`)
		if len(code) != 6 {
			t.Errorf("match code %q is not 6 digits", code)
		}
		p.screenshot("app-qr")

		signURL := p.text(sel + `.dataset.url`)
		u, err := url.Parse(signURL)
		if err != nil || !strings.HasPrefix(u.Path, "/s/") {
			t.Fatalf("signing link %q", signURL)
		}
		s.sign(t, signer, strings.TrimPrefix(u.Path, "/s/"), "sign")

		// No reload: the page hears the committed event.
		p.waitFor(sel+`.dataset.status === "SIGNED"`, "signer status SIGNED")
		p.waitFor(`document.querySelector(".doc-card").dataset.status === "COMPLETED"`, "document COMPLETED")
		if got := p.text(sel + `.innerText`); !strings.Contains(got, "Signed") {
			t.Errorf("signer card says %q", got)
		}
		p.waitFor(`document.getElementById("records-body").innerText.includes("Purchase order 4711")`, "records row")
		p.screenshot("app-signed")

		// The provenance link shows the signature on the verification page.
		p.eval(`document.querySelector(".doc-links a").click()`, nil)
		p.waitFor(`location.pathname === "/verify" && document.getElementById("outcome").dataset.state === "found"`, "provenance page")
		p.waitFor(`document.querySelector('#events-body tr[data-type="SignatureRecorded"]') !== null`, "signature event")
		if got := p.text(`document.getElementById("signers-body").textContent`); !strings.Contains(got, signer.spec.ID) || !strings.Contains(got, "Signed") {
			t.Errorf("signers table %q lacks the signed signer", got)
		}
		p.screenshot("verify-signed")

		// The used session's page says so instead of offering the document again.
		p.navigate(s.srv.URL + u.Path)
		p.waitFor(`document.getElementById("check").dataset.state === "error"`, "used-session message")
		if got := p.text(`document.getElementById("check").textContent`); !strings.Contains(got, "already answered") || !strings.Contains(got, "NONCE_REUSED") {
			t.Errorf("used session page says %q", got)
		}

		p.navigate(s.srv.URL + "/app/")
		p.eval(`document.getElementById("rec-q").value = "no such title"; document.getElementById("rec-q").dispatchEvent(new Event("input"))`, nil)
		if got := p.text(`document.getElementById("records-empty").innerText`); got != "No document matches the filter." {
			t.Errorf("filtered records say %q", got)
		}
		p.clean()
	})

	t.Run("desktop page registers several files at once and shows a decline live", func(t *testing.T) {
		p.t = t
		signer := s.enrollSigner(t)
		p.navigate(s.srv.URL + "/app/")
		p.setFiles("#files", writeFile(t, "nda-a.txt", []byte("NDA A "+unique("a")+"\n")), writeFile(t, "nda-b.txt", []byte("NDA B "+unique("b")+"\n")))
		p.eval(`(() => {
			const row = document.querySelector("#signer-rows tr");
			row.querySelector('[name="signerId"]').value = `+jsString(signer.spec.ID)+`;
			document.getElementById("upload-submit").click();
		})()`, nil)
		p.waitFor(`document.getElementById("upload-status").textContent === "Registered 2 documents on the ledger."`, "two registrations")
		cards := `[...document.querySelectorAll(".doc-card")].filter((c) => c.querySelector("h3").textContent.startsWith("nda-"))`
		p.waitFor(cards+`.length === 2 && `+cards+`.every((c) => c.querySelector(".qr-box img") && c.querySelector(".qr-box img").naturalWidth > 0)`, "two QR codes")
		var links []string
		p.eval(cards+`.map((c) => c.querySelector("[data-signer]").dataset.url)`, &links)
		for i, l := range links {
			u, err := url.Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			s.sign(t, signer, strings.TrimPrefix(u.Path, "/s/"), map[int]string{0: "decline", 1: "sign"}[i])
		}
		p.waitFor(cards+`.map((c) => c.dataset.status).sort().join() === "COMPLETED,DECLINED"`, "one completed, one declined")
		p.screenshot("app-two-files")
		p.clean()
	})

	t.Run("mobile signer page checks the document hash before offering it", func(t *testing.T) {
		p.t = t
		reg := s.upload(t, "Consent form (phone test)", []byte("Consent "+unique("m")+"\n"),
			model.SignerSpec{ID: unique("phone"), MSPID: s.org.MSPID, RoutingOrder: 1})
		p.phone(true)
		defer p.phone(false)
		p.navigate(s.srv.URL + "/s/" + reg.Signing[0].Token)
		p.waitFor(`document.getElementById("check").dataset.state === "verified"`, "hash verified")
		if got := p.text(`document.getElementById("doc-hash").textContent`); got != reg.Document.SHA256 {
			t.Errorf("page shows hash %q, want %s", got, reg.Document.SHA256)
		}
		st := p.signerPage()
		if !st.SignShown || !st.SignDisabled || !st.DeclineDisabled || !st.DownloadShown {
			t.Errorf("buttons and download: %+v", st)
		}
		if st.ScrollWidth > 375 {
			t.Errorf("the page is %d px wide on a 375 px phone", st.ScrollWidth)
		}
		// The pure-JS SHA-256 used where crypto.subtle is missing (plain http on a LAN) agrees with WebCrypto.
		var same bool
		p.eval(`(async () => { const b = new TextEncoder().encode("qrsign".repeat(1000)).buffer;
			return QR.sha256Fallback(new Uint8Array(b)) === await QR.sha256Hex(b) &&
				QR.sha256Fallback(new Uint8Array(0)) === "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; })()`, &same)
		if !same {
			t.Error("the fallback SHA-256 disagrees with crypto.subtle")
		}
		p.screenshot("sign-phone")
		p.clean()
	})

	t.Run("desktop and verification pages fit a 375 px phone", func(t *testing.T) {
		p.t = t
		p.phone(true)
		defer p.phone(false)
		for name, path := range map[string]string{"app-phone": "/app/", "verify-phone": "/verify"} {
			p.navigate(s.srv.URL + path)
			var w int
			p.eval(`document.documentElement.scrollWidth`, &w)
			if w > 375 {
				t.Errorf("%s is %d px wide on a 375 px phone", path, w)
			}
			p.screenshot(name)
		}
		p.clean()
	})

	t.Run("keyboard reaches the skip link first and the hidden file input with a visible focus", func(t *testing.T) {
		p.t = t
		p.navigate(s.srv.URL + "/verify")
		p.tab()
		if got := p.text(`document.activeElement.textContent`); got != "Skip to content" {
			t.Errorf("first Tab focuses %q", got)
		}
		for i := 0; i < 10 && p.text(`document.activeElement.id`) != "file"; i++ {
			p.tab()
		}
		var zoneFocused bool
		p.eval(`document.activeElement.id === "file" && document.getElementById("dropzone").classList.contains("focus")`, &zoneFocused)
		if !zoneFocused {
			t.Errorf("Tab did not reach the file input with a focus ring on its drop zone; focus is on %q", p.text(`document.activeElement.outerHTML`))
		}
		p.clean()
	})

	t.Run("mobile signer page refuses a document altered on the way", func(t *testing.T) {
		p.t = t
		bad := serveSite(t, s.info, s.relay, true)
		reg := s.upload(t, "Lease (tamper test)", []byte("Lease "+unique("l")+"\n"),
			model.SignerSpec{ID: unique("phone"), MSPID: s.org.MSPID, RoutingOrder: 1})
		p.phone(true)
		defer p.phone(false)
		p.navigate(bad.srv.URL + "/s/" + reg.Signing[0].Token)
		p.waitFor(`document.getElementById("check").dataset.state === "mismatch"`, "hash mismatch")
		if st := p.signerPage(); st.DownloadShown || st.SignShown || st.ScrollWidth > 375 {
			t.Errorf("a tampered document is offered, or the page overflows: %+v", st)
		}
		p.screenshot("sign-phone-tampered")
		p.clean()
	})
}

// signerState is what the phone page shows: visible means laid out (CSS can
// override the hidden attribute, so the attribute alone proves nothing).
type signerState struct {
	SignShown, SignDisabled, DeclineDisabled, DownloadShown bool
	ScrollWidth                                             int
}

func (p *page) signerPage() signerState {
	p.t.Helper()
	var st signerState
	p.eval(`({SignShown: document.getElementById("sign-btn").offsetParent !== null,
		SignDisabled: document.getElementById("sign-btn").disabled,
		DeclineDisabled: document.getElementById("decline-btn").disabled,
		DownloadShown: document.getElementById("download").offsetParent !== null,
		ScrollWidth: document.documentElement.scrollWidth})`, &st)
	return st
}
