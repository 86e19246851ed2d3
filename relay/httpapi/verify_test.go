package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/service"
)

// signedDoc registers id for bob then carol and has bob sign: the
// registration and the signature are two transactions in two blocks.
func signedDoc(t *testing.T, h *harness, id string) (api.Registered, api.CallbackResult) {
	t.Helper()
	reg := h.register(id, signer("bob", 1), signer("carol", 2))
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", ""))
	if rec.Code != http.StatusOK {
		t.Fatalf("sign: %d %s", rec.Code, rec.Body)
	}
	return reg, decode[api.CallbackResult](t, rec)
}

func TestVerifyLooksUpByHashTxIDAndDocumentInFullWithAReadKey(t *testing.T) {
	h := newHarness(t)
	reg, sig := signedDoc(t, h, "v1")
	sha := reg.Document.SHA256
	for _, c := range []struct {
		name, query, by, value string
		txEvents               string
	}{
		{"by hash", "sha256=" + sha, "sha256", sha, ""},
		{"by hash in upper case", "sha256=" + strings.ToUpper(sha), "sha256", sha, ""},
		{"by registration tx", "txId=" + reg.TxID, "txId", reg.TxID, "0:DocumentRegistered:"},
		{"by signature tx", "txId=" + sig.TxID, "txId", sig.TxID, "1:SignatureRecorded:Org1MSP/bob"},
		{"by document id", "doc=v1", "doc", "v1", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := h.do("GET", "/v1/verify?"+c.query, nil, "X-API-Key", readKey)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			got := decode[service.Lookup](t, rec)
			if got.By != c.by || got.Value != c.value || got.Channel != "qrsign" || len(got.Matches) != 1 || got.More || got.View != "full" {
				t.Fatalf("%+v", got)
			}
			m := got.Matches[0]
			if m.View != "full" || m.DocumentID != "v1" || m.Title != "Contract v1" || m.OwnerMSP != "Org1MSP" || m.DocType != "contract" ||
				m.Signatures != (service.SignatureCounts{Required: 2, Signed: 1, Pending: 1}) || m.SHA256 != sha || m.Status != model.StatusPending ||
				m.Registration.TxID != reg.TxID || m.Registration.BlockNumber != reg.BlockNumber || m.Closed != nil {
				t.Fatalf("match %+v", m)
			}
			b, c2 := m.Signers[0], m.Signers[1]
			if b.ID != "bob" || b.Status != model.SignerSigned || b.TxID != sig.TxID || b.BlockNumber == nil ||
				*b.BlockNumber != sig.BlockNumber || b.At == nil {
				t.Fatalf("bob %+v", b)
			}
			if c2.ID != "carol" || c2.Status != model.SignerPending || c2.TxID != "" || c2.BlockNumber != nil {
				t.Fatalf("carol %+v", c2)
			}
			if !m.Verified || m.Verification == nil || !m.Verification.OK || m.Verification.DocumentID != "v1" {
				t.Fatalf("verification %+v", m.Verification)
			}
			var evs []string
			for _, e := range m.TxEvents {
				evs = append(evs, fmt.Sprintf("%d:%s:%s", e.Seq, e.Type, e.Signer))
			}
			if strings.Join(evs, ",") != c.txEvents {
				t.Fatalf("tx events %q, want %q", evs, c.txEvents)
			}
		})
	}
}

func TestVerifyShowsTheClosingTransaction(t *testing.T) {
	h := newHarness(t)
	reg := h.register("v2", signer("bob", 1))
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", ""))
	sig := decode[api.CallbackResult](t, rec)
	m := decode[service.Lookup](t, h.do("GET", "/v1/verify?txId="+sig.TxID, nil)).Matches[0]
	if m.Status != model.StatusCompleted || m.Closed == nil || m.Closed.TxID != sig.TxID || m.Closed.BlockNumber != sig.BlockNumber {
		t.Fatalf("%+v", m)
	}
	var types []string
	for _, e := range m.TxEvents {
		types = append(types, string(e.Type))
	}
	if strings.Join(types, ",") != "SignatureRecorded,DocumentCompleted" {
		t.Fatalf("tx events %v", types)
	}
}

func TestVerifyReportsATamperedRecord(t *testing.T) {
	h := newHarness(t)
	signedDoc(t, h, "v3")
	h.ledger.Tampered = map[string]model.Check{"v3": {Name: "projection", Code: model.CheckProjection, Detail: "stored projection differs from fold(events)"}}
	m := decode[service.Lookup](t, h.do("GET", "/v1/verify?doc=v3", nil, "X-API-Key", readKey)).Matches[0]
	if m.Verified || m.Verification.OK || m.Verification.Checks[1].Detail != "stored projection differs from fold(events)" {
		t.Fatalf("%+v", m.Verification)
	}
	// The public view keeps the verdict and which check failed (name and
	// code), not the detail.
	m = decode[service.Lookup](t, h.do("GET", "/v1/verify?doc=v3", nil)).Matches[0]
	if c := m.Verification.Checks[1]; m.Verified || m.Verification.OK || c.Name != "projection" || c.Code != model.CheckProjection || c.OK || c.Detail != "" || c.Params != nil || c.Event != nil {
		t.Fatalf("public %+v", m.Verification)
	}
}

func TestVerifyListsEveryDocumentWithTheBytesInPages(t *testing.T) {
	h := newHarness(t)
	reg := h.register("dup-00", signer("bob", 1))
	req := model.RegisterDocumentRequest{SHA256: reg.Document.SHA256, Size: reg.Document.Size, MediaType: "application/pdf",
		Title: "copy", DocType: "contract", Owner: "alice", Signers: []model.SignerSpec{signer("bob", 1)}, Priority: 1,
		ExpiresAt: h.clock().Add(24 * time.Hour)}
	for i := 1; i <= service.MaxLookupMatches; i++ {
		req.ID = fmt.Sprintf("dup-%02d", i)
		h.advance(time.Second)
		if _, err := h.ledger.RegisterDocument(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	first := decode[service.Lookup](t, h.do("GET", "/v1/verify?sha256="+reg.Document.SHA256, nil, "X-API-Key", readKey))
	if len(first.Matches) != service.MaxLookupMatches || !first.More || first.NextCursor == "" || first.Matches[0].DocumentID != "dup-00" {
		t.Fatalf("first page: %d matches, more %v, cursor %q", len(first.Matches), first.More, first.NextCursor)
	}
	next := decode[service.Lookup](t, h.do("GET", "/v1/verify?sha256="+reg.Document.SHA256+"&cursor="+first.NextCursor, nil, "X-API-Key", readKey))
	if len(next.Matches) != 1 || next.More || next.Matches[0].DocumentID != fmt.Sprintf("dup-%02d", service.MaxLookupMatches) {
		t.Fatalf("second page: %+v", next)
	}
	// In public the cursor is all an anonymous caller gets of the next
	// document: it must not name it, and only cursors the relay sealed continue.
	pub := decode[service.Lookup](t, h.do("GET", "/v1/verify?sha256="+reg.Document.SHA256, nil))
	last := fmt.Sprintf("dup-%02d", service.MaxLookupMatches)
	if pub.NextCursor == "" || strings.Contains(pub.NextCursor, last) {
		t.Fatalf("public cursor %q", pub.NextCursor)
	}
	if more := decode[service.Lookup](t, h.do("GET", "/v1/verify?sha256="+reg.Document.SHA256+"&cursor="+pub.NextCursor, nil)); len(more.Matches) != 1 {
		t.Fatalf("public second page: %+v", more)
	}
	for _, forged := range []string{last, "hash/" + reg.Document.SHA256 + "/" + last} {
		rec := h.do("GET", "/v1/verify?sha256="+reg.Document.SHA256+"&cursor="+url.QueryEscape(forged), nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "cursor was not issued by this relay for this sha256") {
			t.Fatalf("forged cursor %q: %d %s", forged, rec.Code, rec.Body)
		}
	}
}

func TestVerifyRefusals(t *testing.T) {
	h := newHarness(t)
	reg, _ := signedDoc(t, h, "v4")
	unknown := strings.Repeat("ab", 32)
	for _, c := range []struct {
		name, query string
		status      int
		code, want  string
	}{
		{"nothing asked", "", 400, "INVALID_FIELD", "give exactly one of sha256, txId or doc"},
		{"two things asked", "sha256=" + reg.Document.SHA256 + "&doc=v4", 400, "INVALID_FIELD", "give exactly one of sha256, txId or doc"},
		{"hash too short", "sha256=abc", 400, "INVALID_FIELD", `sha256 must be 64 hex characters, not "abc"`},
		{"hash not hex", "sha256=" + strings.Repeat("zz", 32), 400, "INVALID_FIELD", `sha256 must be 64 hex characters, not "` + strings.Repeat("zz", 32) + `"`},
		{"tx id not a Fabric id", "txId=tx1", 400, "INVALID_FIELD", `txId must be a Fabric transaction id (64 hex characters), not "tx1"`},
		{"document id with a slash", "doc=a%2Fb", 400, "INVALID_FIELD", `document id "a/b" is not valid`},
		{"cursor without a hash", "doc=v4&cursor=x", 400, "INVALID_FIELD", "cursor continues only a sha256 lookup"},
		{"cursor too long", "sha256=" + unknown + "&cursor=" + strings.Repeat("x", 513), 400, "INVALID_FIELD", "cursor is too long"},
		{"unknown hash", "sha256=" + unknown, 404, "DOCUMENT_NOT_FOUND", "no document on this ledger has SHA-256 " + unknown},
		{"unknown tx", "txId=" + unknown, 404, "DOCUMENT_NOT_FOUND", "transaction " + unknown + " wrote no document event on this ledger"},
		{"unknown document", "doc=nope", 404, "DOCUMENT_NOT_FOUND", "no document nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := wantProblem(t, h.do("GET", "/v1/verify?"+c.query, nil), c.status, c.code)
			if p.Detail != c.want {
				t.Fatalf("detail %q\n want  %q", p.Detail, c.want)
			}
		})
	}
	t.Run("network down", func(t *testing.T) {
		h.ledger.Down = true
		defer func() { h.ledger.Down = false }()
		wantProblem(t, h.do("GET", "/v1/verify?doc=v4", nil), 503, "UNAVAILABLE")
	})
}

func TestVerifyNeedsAReadKeyWhenNotPublic(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.PublicVerify = false })
	signedDoc(t, h, "v5")
	wantProblem(t, h.do("GET", "/v1/verify?doc=v5", nil), 401, "UNAUTHORIZED")
	if rec := h.do("GET", "/v1/verify?doc=v5", nil, "Authorization", "Bearer "+readKey); rec.Code != 200 {
		t.Fatalf("with a read key: %d %s", rec.Code, rec.Body)
	}
}

func TestVerifyIsRateLimited(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit = config.RateLimit{PerSecond: 1, Burst: 1} })
	wantProblem(t, h.do("GET", "/v1/verify?doc=nope", nil), 404, "DOCUMENT_NOT_FOUND")
	wantProblem(t, h.do("GET", "/v1/verify?doc=nope", nil), 429, "RATE_LIMITED")
}

// A lookup costs one token per ledger call: 3 matches (1 list + 3 × (block of
// the registration + VerifyRecord) = 7 calls) empty a bucket of 5 at once.
func TestVerifyChargesTheRateLimitPerLedgerCall(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit = config.RateLimit{PerSecond: 0.001, Burst: 5} })
	sha := strings.Repeat("cd", 32)
	for i := range 3 {
		h.advance(time.Second)
		req := model.RegisterDocumentRequest{ID: fmt.Sprintf("same-%d", i), SHA256: sha, Size: 1, MediaType: "text/plain",
			Title: "same bytes", DocType: "note", Owner: "alice", Signers: []model.SignerSpec{signer("bob", 1)}, Priority: 1,
			ExpiresAt: h.clock().Add(time.Hour)}
		if _, err := h.ledger.RegisterDocument(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []int{200, 429} {
		if rec := h.do("GET", "/v1/verify?sha256="+sha, nil); rec.Code != want {
			t.Fatalf("lookup %d: %d, want %d", i+1, rec.Code, want)
		}
	}
}

// One document looked up by id costs GetDocument, the registration's block and
// VerifyRecord: 3 tokens, so a bucket of 5 admits two lookups, not five.
func TestVerifyChargesEveryBlockFetchAndEvaluation(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit = config.RateLimit{PerSecond: 0.001, Burst: 5} })
	req := model.RegisterDocumentRequest{ID: "cost", SHA256: strings.Repeat("ef", 32), Size: 1, MediaType: "text/plain",
		Title: "cost", DocType: "note", Owner: "alice", Signers: []model.SignerSpec{signer("bob", 1)}, Priority: 1,
		ExpiresAt: h.clock().Add(time.Hour)}
	if _, err := h.ledger.RegisterDocument(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{200, 200, 429} {
		if rec := h.do("GET", "/v1/verify?doc=cost", nil); rec.Code != want {
			t.Fatalf("lookup %d: %d, want %d", i+1, rec.Code, want)
		}
	}
}

// Without credentials nobody learns what a document is or (beyond what the
// relay's publicSigners allows) who signed it: every public answer is free of
// titles, owners, doc types and tags; signer ids appear only with
// "identity", organisations with "org" (the default) or "identity"; hash and
// transaction lookups do not name the document either.
func TestVerifyPublicViewDisclosesSignersOnlyAsConfigured(t *testing.T) {
	for _, level := range []struct {
		publicSigners string
		shown, hidden []string
	}{
		{"none", nil, []string{"bob", "carol", "Org1MSP"}},
		{"org", []string{`"mspId":"Org1MSP"`}, []string{"bob", "carol"}},
		{"identity", []string{`"mspId":"Org1MSP"`, `"id":"bob"`, `"id":"carol"`}, nil},
	} {
		h := newHarness(t, func(c *config.Config) { c.PublicSigners = level.publicSigners })
		reg, sig := signedDoc(t, h, "pv1")
		sha := reg.Document.SHA256
		for _, c := range []struct {
			name, query string
			showsID     bool
		}{
			{"by hash", "sha256=" + sha, false},
			{"by signature tx", "txId=" + sig.TxID, false},
			{"by document id", "doc=pv1", true},
		} {
			t.Run(level.publicSigners+" "+c.name, func(t *testing.T) {
				rec := h.do("GET", "/v1/verify?"+c.query, nil)
				if rec.Code != 200 {
					t.Fatalf("%d %s", rec.Code, rec.Body)
				}
				body := rec.Body.String()
				for _, secret := range append([]string{"alice", "Contract", "contract", `"tags"`, `"title"`, `"ownerMsp"`}, level.hidden...) {
					if strings.Contains(body, secret) {
						t.Errorf("public answer holds %q: %s", secret, body)
					}
				}
				for _, want := range level.shown {
					if !strings.Contains(body, want) {
						t.Errorf("public answer lacks %s: %s", want, body)
					}
				}
				if strings.Contains(body, "pv1") != c.showsID {
					t.Errorf("document id shown: %v, want %v: %s", !c.showsID, c.showsID, body)
				}
				got := decode[service.Lookup](t, rec)
				m := got.Matches[0]
				if got.View != "public" || m.View != "public" || m.SHA256 != sha || m.Status != model.StatusPending ||
					m.Registration.TxID != reg.TxID || m.Registration.BlockNumber != reg.BlockNumber ||
					m.Signatures != (service.SignatureCounts{Required: 2, Signed: 1, Pending: 1}) || !m.Verified {
					t.Fatalf("%+v", m)
				}
				if s := m.Signers[0]; s.RoutingOrder != 1 || s.Status != model.SignerSigned || s.TxID != sig.TxID ||
					s.BlockNumber == nil || *s.BlockNumber != sig.BlockNumber {
					t.Fatalf("signer slot %+v", s)
				}
			})
		}
	}
}

func TestVerifyFullViewForASessionTokenOfThatDocumentOnly(t *testing.T) {
	h := newHarness(t)
	reg, _ := signedDoc(t, h, "pv2")
	other := h.register("pv3", signer("dave", 1))
	carol := reg.Signing[1].Token
	m := decode[service.Lookup](t, h.do("GET", "/v1/verify?doc=pv2&token="+carol, nil)).Matches[0]
	if m.View != "full" || m.Title != "Contract pv2" || m.Signers[0].ID != "bob" {
		t.Fatalf("with its token: %+v", m)
	}
	m = decode[service.Lookup](t, h.do("GET", "/v1/verify?doc=pv2&token="+other.Signing[0].Token, nil)).Matches[0]
	if m.View != "public" || m.Title != "" || m.Signers[0].ID != "" {
		t.Fatalf("with another document's token: %+v", m)
	}
	wantProblem(t, h.do("GET", "/v1/verify?doc=pv2&token=forged", nil), 401, "TOKEN_INVALID")
	wantProblem(t, h.do("GET", "/v1/verify?doc=pv2", nil, "X-API-Key", "wrong"), 401, "UNAUTHORIZED")
}
