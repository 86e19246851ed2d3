package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/session"
)

func TestUploadMultipartRegistersAndReturnsOneSessionPerSigner(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 2))
	sum := sha256.Sum256([]byte("%PDF-1.7 document doc-1"))
	if reg.Document.SHA256 != hex.EncodeToString(sum[:]) || reg.Document.MediaType != "application/pdf" || reg.TxID == "" || reg.BlockNumber == 0 {
		t.Fatalf("%+v", reg)
	}
	if len(reg.Signing) != 2 {
		t.Fatalf("signing %+v", reg.Signing)
	}
	for _, l := range reg.Signing {
		if l.URL != "http://relay.test/s/"+l.Token || l.MatchCode != session.MatchCode(l.Token) || len(l.MatchCode) != 6 ||
			l.QRURL != "/v1/documents/doc-1/qr.png?signer=Org1MSP%2F"+l.Signer.ID {
			t.Fatalf("link %+v", l)
		}
	}
}

func TestUploadFilePartBeforeMetadataWorksToo(t *testing.T) {
	h := newHarness(t)
	var buf bytes.Buffer
	body := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" +
		`{"id":"doc-2","title":"T","docType":"note","owner":"alice","signers":[{"id":"bob","mspId":"Org1MSP","routingOrder":1}]}` +
		"\r\n--B--\r\n"
	buf.WriteString(body)
	rec := h.do("POST", "/v1/documents", &buf, "Content-Type", "multipart/form-data; boundary=B", "X-API-Key", writeKey)
	if rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if d := decode[api.Registered](t, rec).Document; d.MediaType != "text/plain" || d.Size != 5 {
		t.Fatalf("%+v", d)
	}
}

func TestUploadJSONRegistersBytesStoredElsewhere(t *testing.T) {
	h := newHarness(t)
	size := int64(10)
	rec := h.doJSON("POST", "/v1/documents", api.UploadMeta{ID: "ext-1", Title: "External", DocType: "contract", Owner: "alice",
		Signers: []model.SignerSpec{signer("bob", 1)}, SHA256: strings.Repeat("ab", 32), Size: &size}, "X-API-Key", writeKey)
	if rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	wantProblem(t, h.do("GET", "/v1/documents/ext-1/content", nil, "X-API-Key", readKey), 404, "NOT_FOUND")
}

func TestUploadRefusals(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.MaxDocumentBytes = 1000 })
	meta := map[string]any{"id": "d", "title": "T", "docType": "note", "owner": "alice",
		"signers": []model.SignerSpec{signer("bob", 1)}}
	mp := func(m map[string]any, file []byte) (io.Reader, string) { return multipartBody(t, m, file) }
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range meta {
			m[a] = b
		}
		m[k] = v
		return m
	}
	cases := []struct {
		name   string
		body   func() (io.Reader, string)
		hdr    []string
		status int
		code   string
	}{
		{"no API key is 401 UNAUTHORIZED", func() (io.Reader, string) { return mp(meta, []byte("x")) }, nil, 401, "UNAUTHORIZED"},
		{"unknown API key is 401 UNAUTHORIZED", func() (io.Reader, string) { return mp(meta, []byte("x")) },
			[]string{"Authorization", "Bearer " + strings.Repeat("z", 50)}, 401, "UNAUTHORIZED"},
		{"read-only key is 403 FORBIDDEN", func() (io.Reader, string) { return mp(meta, []byte("x")) },
			[]string{"X-API-Key", readKey}, 403, "FORBIDDEN"},
		{"file over the limit is 413 PAYLOAD_TOO_LARGE", func() (io.Reader, string) { return mp(meta, make([]byte, 5000)) },
			[]string{"X-API-Key", writeKey}, 413, "PAYLOAD_TOO_LARGE"},
		{"declared sha256 differing from the bytes is 422 HASH_MISMATCH",
			func() (io.Reader, string) { return mp(with("sha256", strings.Repeat("0", 64)), []byte("x")) },
			[]string{"X-API-Key", writeKey}, 422, "HASH_MISMATCH"},
		{"bad signer id is 400 INVALID_FIELD",
			func() (io.Reader, string) {
				return mp(with("signers", []model.SignerSpec{signer("bad id", 1)}), []byte("x"))
			},
			[]string{"X-API-Key", writeKey}, 400, "INVALID_FIELD"},
		{"unknown metadata field is 400 BAD_REQUEST", func() (io.Reader, string) { return mp(with("colour", "red"), []byte("x")) },
			[]string{"X-API-Key", writeKey}, 400, "BAD_REQUEST"},
		{"expiry in the past is 400 INVALID_FIELD",
			func() (io.Reader, string) { return mp(with("expiresAt", "2020-01-01T00:00:00Z"), []byte("x")) },
			[]string{"X-API-Key", writeKey}, 400, "INVALID_FIELD"},
		{"plain text body is 400 BAD_REQUEST", func() (io.Reader, string) { return strings.NewReader("hi"), "text/plain" },
			[]string{"X-API-Key", writeKey}, 400, "BAD_REQUEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := tc.body()
			wantProblem(t, h.do("POST", "/v1/documents", body, append([]string{"Content-Type", ct}, tc.hdr...)...), tc.status, tc.code)
			if h.ledger.Submits != 0 {
				t.Fatal("reached the ledger")
			}
		})
	}
	t.Run("existing id is 409 DOCUMENT_EXISTS", func(t *testing.T) {
		h.register("dup", signer("bob", 1))
		body, ct := multipartBody(t, with("id", "dup"), []byte("y"))
		wantProblem(t, h.do("POST", "/v1/documents", body, "Content-Type", ct, "X-API-Key", writeKey), 409, "DOCUMENT_EXISTS")
	})
}

func TestJSONBodyOverLimitIs413(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.MaxJSONBytes = 100 })
	rec := h.do("POST", "/v1/callbacks/scan", strings.NewReader(`{"token":"`+strings.Repeat("a", 500)+`"}`), "Content-Type", "application/json")
	wantProblem(t, rec, 413, "PAYLOAD_TOO_LARGE")
}

func TestSessionDescribesTheSigningSession(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	tok := reg.Signing[0].Token
	rec := h.do("GET", "/v1/sessions/"+tok, nil)
	s := decode[api.Session](t, rec)
	if rec.Code != 200 || s.DocumentID != "doc-1" || s.SHA256 != reg.Document.SHA256 || s.Signer != signer("bob", 1) ||
		s.Channel != "qrsign" || s.MatchCode != reg.Signing[0].MatchCode || s.CallbackURL != "http://relay.test/v1/callbacks/scan" ||
		s.ContentURL != "http://relay.test/v1/documents/doc-1/content?token="+tok || len(s.Nonce) != 32 || s.DocumentStatus != "PENDING" {
		t.Fatalf("%d %+v", rec.Code, s)
	}
	// The content URL works without an API key and returns the bytes with ETag.
	rec = h.do("GET", "/v1/documents/doc-1/content?token="+tok, nil)
	if rec.Code != 200 || rec.Body.String() != "%PDF-1.7 document doc-1" || rec.Header().Get("ETag") != `"`+s.SHA256+`"` ||
		rec.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("content: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	// Uploaded bytes never run as the relay's page, and a token read is not cached.
	for k, want := range map[string]string{"Content-Security-Policy": "sandbox", "Content-Disposition": "attachment",
		"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("content %s: %q, want %q", k, got, want)
		}
	}
}

func TestSessionRefusals(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	h.register("doc-2", signer("bob", 1))
	tok := reg.Signing[0].Token
	wantProblem(t, h.do("GET", "/v1/sessions/"+tok[:len(tok)-2]+"AA", nil), 401, "TOKEN_INVALID")
	wantProblem(t, h.do("GET", "/v1/sessions/garbage", nil), 401, "TOKEN_INVALID")
	wantProblem(t, h.do("GET", "/v1/documents/doc-2/content?token="+tok, nil), 401, "TOKEN_INVALID")
	wantProblem(t, h.do("GET", "/v1/documents/doc-1/content", nil), 401, "UNAUTHORIZED")
	h.doJSON("POST", "/v1/callbacks/scan", h.callback(tok, h.ca.Signer("bob"), "sign", ""))
	wantProblem(t, h.do("GET", "/v1/sessions/"+tok, nil), 409, "NONCE_REUSED")
	h.advance(72 * time.Hour)
	wantProblem(t, h.do("GET", "/v1/sessions/"+reg.Signing[1].Token, nil), 410, "TOKEN_EXPIRED")
}

func TestQRIsStablePerSignerAndDecodesToTheSessionURL(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Fatal("zbarimg is required (apt-get install -y zbar-tools; scripts/test.sh installs it)")
	}
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	rec := h.do("GET", "/v1/documents/doc-1/qr.png?signer=Org1MSP/bob&size=320", nil, "X-API-Key", readKey)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || rec.Header().Get("X-Match-Code") != reg.Signing[0].MatchCode {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	cmd := exec.Command(zbar, "--raw", "-q", "-")
	cmd.Stdin = bytes.NewReader(rec.Body.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != reg.Signing[0].URL {
		t.Fatalf("QR says %q, want %q", got, reg.Signing[0].URL)
	}
	again := h.do("GET", "/v1/documents/doc-1/qr.png?signer=Org1MSP/bob&size=320", nil, "X-API-Key", readKey)
	if !bytes.Equal(again.Body.Bytes(), rec.Body.Bytes()) {
		t.Fatal("the same session rendered twice differently")
	}
	if hits, _ := h.srv.qr.Stats(); hits != 1 {
		t.Fatalf("cache hits %d, want 1", hits)
	}
}

func TestQRRefusals(t *testing.T) {
	h := newHarness(t)
	h.register("doc-1", signer("bob", 1))
	wantProblem(t, h.do("GET", "/v1/documents/doc-1/qr.png?signer=Org1MSP/bob", nil), 401, "UNAUTHORIZED")
	wantProblem(t, h.do("GET", "/v1/documents/doc-1/qr.png?signer=Org1MSP/eve", nil, "X-API-Key", readKey), 404, "NOT_FOUND")
	wantProblem(t, h.do("GET", "/v1/documents/doc-1/qr.png?signer=Org1MSP/bob&size=5000", nil, "X-API-Key", readKey), 400, "INVALID_FIELD")
	wantProblem(t, h.do("GET", "/v1/documents/nope/qr.png?signer=Org1MSP/bob", nil, "X-API-Key", readKey), 404, "DOCUMENT_NOT_FOUND")
}

func TestProvenanceListsEventsWithBlocksSubmitterAndSignerSubject(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	res := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", "")))
	rec := h.do("GET", "/v1/documents/doc-1/provenance", nil, "X-API-Key", readKey)
	p := decode[api.Provenance](t, rec)
	if rec.Code != 200 || len(p.Events) != 3 || p.Document.Status != model.StatusCompleted {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if e := p.Events[0]; e.Event.Type != model.EventDocumentRegistered || e.BlockNumber != reg.BlockNumber || e.SubmitterMSP != "Org1MSP" {
		t.Fatalf("%+v", e)
	}
	if e := p.Events[1]; e.Event.TxID != res.TxID || e.BlockNumber != res.BlockNumber || e.ValidationCode != "VALID" ||
		e.SignerSubject != "CN=bob,OU=client" {
		t.Fatalf("%+v", e)
	}
	wantProblem(t, h.do("GET", "/v1/documents/nope/provenance", nil, "X-API-Key", readKey), 404, "DOCUMENT_NOT_FOUND")
}

func TestGetDocumentWithKeyOrToken(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	for _, rec := range []*http.Response{
		h.do("GET", "/v1/documents/doc-1", nil, "Authorization", "Bearer "+readKey).Result(),
		h.do("GET", "/v1/documents/doc-1?token="+reg.Signing[0].Token, nil).Result(),
	} {
		if rec.StatusCode != 200 {
			t.Fatal(rec.Status)
		}
	}
	wantProblem(t, h.do("GET", "/v1/documents/doc-1", nil), 401, "UNAUTHORIZED")
}

func TestUploadRetriedWithIdempotencyKeyRegistersOnce(t *testing.T) {
	h := newHarness(t)
	meta := map[string]any{"title": "Lease", "docType": "contract", "owner": "alice", "signers": []model.SignerSpec{signer("bob", 1)}}
	send := func(key string) *httptest.ResponseRecorder {
		body, ct := multipartBody(t, meta, []byte("%PDF-1.7 lease"))
		return h.do("POST", "/v1/documents", body, "Content-Type", ct, "Authorization", "Bearer "+writeKey, "Idempotency-Key", key)
	}
	first := send("k-1")
	submits := h.ledger.Submits
	second := send("k-1")
	a, b := decode[api.Registered](t, first), decode[api.Registered](t, second)
	if first.Code != 201 || second.Code != 200 || !b.Replayed || a.Document.ID != b.Document.ID || a.TxID != b.TxID ||
		b.BlockNumber != a.BlockNumber || len(b.Signing) != 1 {
		t.Fatalf("%d %d %+v %+v", first.Code, second.Code, a, b)
	}
	if h.ledger.Submits != submits+1 { // the retry's RegisterDocument was refused: DOCUMENT_EXISTS
		t.Fatalf("submits %d → %d", submits, h.ledger.Submits)
	}
	if c := send("k-2"); c.Code != 201 {
		t.Fatalf("another key is another document: %d", c.Code)
	}
	meta["title"] = "Other"
	wantProblem(t, send("k-1"), 409, "DOCUMENT_EXISTS")
}

func TestUploadRetriedWithoutKeyMapsToTheSameDocument(t *testing.T) {
	h := newHarness(t)
	meta := map[string]any{"title": "Lease", "docType": "contract", "owner": "alice", "signers": []model.SignerSpec{signer("bob", 1)}}
	b1, ct1 := multipartBody(t, meta, []byte("%PDF-1.7 lease"))
	first := h.do("POST", "/v1/documents", b1, "Content-Type", ct1, "Authorization", "Bearer "+writeKey)
	b2, ct2 := multipartBody(t, meta, []byte("%PDF-1.7 lease"))
	second := h.do("POST", "/v1/documents", b2, "Content-Type", ct2, "Authorization", "Bearer "+writeKey)
	if first.Code != 201 || second.Code != 200 || decode[api.Registered](t, second).Document.ID != decode[api.Registered](t, first).Document.ID {
		t.Fatalf("%d %d", first.Code, second.Code)
	}
}

// An uploader cannot keep a session signable for years: expiresAt is bounded
// by maxExpiry (default 366 days) from the relay's clock.
func TestUploadExpiresAtIsBounded(t *testing.T) {
	h := newHarness(t)
	far := h.clock().Add(367 * 24 * time.Hour).UTC().Format(time.RFC3339)
	meta := map[string]any{"id": "doc-far", "title": "Contract", "docType": "contract", "owner": "alice",
		"signers": []model.SignerSpec{signer("bob", 1)}, "expiresAt": far}
	body, ct := multipartBody(t, meta, []byte("%PDF-1.7 far"))
	p := wantProblem(t, h.do("POST", "/v1/documents", body, "Content-Type", ct, "Authorization", "Bearer "+writeKey), 400, "INVALID_FIELD")
	if !strings.HasPrefix(p.Detail, "expiresAt "+far+" is more than 8784h0m0s ahead") || h.ledger.EventCount("doc-far") != 0 {
		t.Fatalf("%q, %d events", p.Detail, h.ledger.EventCount("doc-far"))
	}
	meta["expiresAt"] = h.clock().Add(365 * 24 * time.Hour).UTC().Format(time.RFC3339)
	body, ct = multipartBody(t, meta, []byte("%PDF-1.7 far"))
	if rec := h.do("POST", "/v1/documents", body, "Content-Type", ct, "Authorization", "Bearer "+writeKey); rec.Code != 201 {
		t.Fatalf("within the bound: %d %s", rec.Code, rec.Body)
	}
}

// Every part of an upload is read before anything is stored: a second
// metadata or file part, or a part of another name, is refused whichever
// order the parts come in, and so is bad metadata after the file; none of
// them stores a blob, leaves a spooled file or reaches the ledger.
func TestUploadPartsAreAllCheckedBeforeAnythingIsStored(t *testing.T) {
	h := newHarness(t)
	const file = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nrefused bytes\r\n"
	meta := func(title string) string {
		return "--B\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" +
			`{"id":"doc-p","title":"` + title + `","docType":"note","owner":"alice","signers":[{"id":"bob","mspId":"Org1MSP","routingOrder":1}]}` + "\r\n"
	}
	const other = "--B\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nhi\r\n"
	good := meta("T")
	for _, tc := range []struct {
		name   string
		parts  []string
		code   string
		detail string
	}{
		{"metadata, file, file", []string{good, file, file}, "BAD_REQUEST", "only one file part is allowed"},
		{"file, metadata, file", []string{file, good, file}, "BAD_REQUEST", "only one file part is allowed"},
		{"metadata, metadata, file", []string{good, good, file}, "BAD_REQUEST", "only one metadata part is allowed"},
		{"file, metadata, metadata", []string{file, good, good}, "BAD_REQUEST", "only one metadata part is allowed"},
		{"unknown part first", []string{other, good, file}, "BAD_REQUEST", `unknown multipart part "comment": the parts are metadata and file`},
		{"unknown part last", []string{good, file, other}, "BAD_REQUEST", `unknown multipart part "comment": the parts are metadata and file`},
		{"file, then a misleading title", []string{file, meta(`Loan\u202e fdp.txt`)}, "INVALID_FIELD",
			"title: U+202E at byte 4 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"misleading title, then the file", []string{meta(`Loan\u202e fdp.txt`), file}, "INVALID_FIELD",
			"title: U+202E at byte 4 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Join(tc.parts, "") + "--B--\r\n"
			rec := h.do("POST", "/v1/documents", strings.NewReader(body), "Content-Type", "multipart/form-data; boundary=B", "X-API-Key", writeKey)
			if p := wantProblem(t, rec, 400, tc.code); p.Detail != tc.detail {
				t.Fatalf("detail %q, want %q", p.Detail, tc.detail)
			}
			if h.ledger.Submits != 0 {
				t.Fatal("reached the ledger")
			}
			filepath.WalkDir(h.cfg.DataDir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && p != h.cfg.TokenKeyFile {
					t.Errorf("left behind: %s", p)
				}
				return nil
			})
		})
	}
}

func TestRemoveSpoolsDeletesWhatAKilledRelayLeft(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".upload-123", ".upload-abc", "token.key", "operations.jsonl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveSpools(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	more, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if got := strings.Join(append(left, more...), " "); got != filepath.Join(dir, "operations.jsonl")+" "+filepath.Join(dir, "token.key") {
		t.Fatalf("left: %s", got)
	}
}
