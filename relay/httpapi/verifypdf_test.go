package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/pdfrev"
	"github.com/qrsign/qrsign/relay/service"
)

// signedRevisions registers pdf-1 for alice then bob, has both sign and
// returns revisions 0, 1, 2 and the DSS revision 3 as the relay serves them.
func signedRevisions(h *harness) [][]byte {
	h.t.Helper()
	reg := h.registerPDF("pdf-1", signer("alice", 1), signer("bob", 2))
	for i, who := range []string{"alice", "bob"} {
		tok := reg.Signing[i].Token
		if rec := h.doJSON("POST", "/v1/callbacks/scan", h.pdfCallback(tok, h.ca.Signer(who), h.preparePDF(tok))); rec.Code != http.StatusOK {
			h.t.Fatalf("%s: %d %s", who, rec.Code, rec.Body)
		}
	}
	h.svc.PDF.WaitDSS()
	revs := make([][]byte, 4)
	for n := range revs {
		rec := h.do("GET", "/v1/documents/pdf-1/signed.pdf?revision="+strconv.Itoa(n), nil, "Authorization", "Bearer "+readKey)
		if rec.Code != http.StatusOK {
			h.t.Fatalf("revision %d: %d %s", n, rec.Code, rec.Body)
		}
		revs[n] = rec.Body.Bytes()
	}
	return revs
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// revisionView is what a test compares of one recognised revision.
type revisionView struct {
	n      int
	end    int
	signer string
	kind   string
}

func TestCheckPDFRecognisesRevisions(t *testing.T) {
	h := pdfHarness(t)
	revs := signedRevisions(h)
	edited := append(append([]byte{}, revs[1]...), "\n% an edit\n1 0 obj\n(x)\nendobj\n%%EOF\n"...)
	tests := []struct {
		name         string
		file         []byte
		key          string
		want         []revisionView
		complete     bool
		latest       bool
		unrecognised int
	}{
		{"the latest revision", revs[3], "", []revisionView{{0, len(revs[0]), "", ""}, {1, len(revs[1]), "Org1MSP", ""}, {2, len(revs[2]), "Org1MSP", ""},
			{3, len(revs[3]), "", "dss"}}, true, true, 0},
		{"the last signature's revision", revs[2], "", []revisionView{{0, len(revs[0]), "", ""}, {1, len(revs[1]), "Org1MSP", ""}, {2, len(revs[2]), "Org1MSP", ""}},
			true, false, 0},
		{"an earlier revision", revs[1], "", []revisionView{{0, len(revs[0]), "", ""}, {1, len(revs[1]), "Org1MSP", ""}}, true, false, 0},
		{"the registered file", revs[0], "", []revisionView{{0, len(revs[0]), "", ""}}, true, false, 0},
		{"revision 1 with an unrecorded increment", edited, "", []revisionView{{0, len(revs[0]), "", ""}, {1, len(revs[1]), "Org1MSP", ""}},
			true, false, len(edited) - len(revs[1])},
		{"trailing bytes", append(append([]byte{}, revs[3]...), "junk"...), "",
			[]revisionView{{0, len(revs[0]), "", ""}, {1, len(revs[1]), "Org1MSP", ""}, {2, len(revs[2]), "Org1MSP", ""}, {3, len(revs[3]), "", "dss"}}, true, true, 4},
		{"the full view names signers", revs[3], readKey,
			[]revisionView{{0, len(revs[0]), "", ""}, {1, len(revs[1]), "Org1MSP/alice", ""}, {2, len(revs[2]), "Org1MSP/bob", ""}, {3, len(revs[3]), "", "dss"}}, true, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := []string{"Content-Type", "application/pdf"}
			if tc.key != "" {
				hdr = append(hdr, "Authorization", "Bearer "+tc.key)
			}
			rec := h.do("POST", "/v1/verify/pdf", bytes.NewReader(tc.file), hdr...)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			got := decode[service.PDFCheck](t, rec)
			// The page sends the prefixes' hashes instead: the same answer,
			// but for the increments judged from the bytes (every one here).
			hashed := h.doJSON("POST", "/v1/verify/pdf", map[string]any{"prefixes": pdfrev.Prefixes(tc.file)}, hdr[2:]...)
			unjudged := decode[service.PDFCheck](t, rec)
			for i := range unjudged.Matches[0].Revisions {
				if i > 0 && !unjudged.Matches[0].Revisions[i].Checked || got.Matches[0].IncrementError != "" {
					t.Fatalf("revision %d's increment not judged: %q", i, got.Matches[0].IncrementError)
				}
				unjudged.Matches[0].Revisions[i].Checked = false
			}
			if hashed.Code != http.StatusOK || !reflect.DeepEqual(decode[service.PDFCheck](t, hashed), unjudged) {
				t.Fatalf("hashed prefixes: %d %s", hashed.Code, hashed.Body)
			}
			if got.SHA256 != sum(tc.file) || got.Size != int64(len(tc.file)) || len(got.Matches) != 1 || got.More {
				t.Fatalf("answer %+v", got)
			}
			m := got.Matches[0]
			wantID, wantView := "", service.ViewPublic
			if tc.key != "" {
				wantID, wantView = "pdf-1", service.ViewFull
			}
			if m.DocumentID != wantID || m.View != wantView || got.View != wantView {
				t.Fatalf("view %s/%s, document %q", got.View, m.View, m.DocumentID)
			}
			if m.Complete != tc.complete || m.Latest != tc.latest || m.UnrecognisedBytes != int64(tc.unrecognised) || len(m.Revisions) != len(tc.want) {
				t.Fatalf("complete %v latest %v unrecognised %d revisions %+v", m.Complete, m.Latest, m.UnrecognisedBytes, m.Revisions)
			}
			for i, w := range tc.want {
				r := m.Revisions[i]
				if r.Revision != w.n || r.End != int64(w.end) || r.Signer != w.signer || r.Kind != w.kind || r.SHA256 != sum(tc.file[:w.end]) || r.TxID == "" || r.BlockNumber == 0 {
					t.Fatalf("revision %d: %+v, want %+v", i, r, w)
				}
			}
		})
	}
}

func TestCheckPDFRefusals(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.MaxDocumentBytes = 4096 })
	big := append(padestest.SimplePDF(), bytes.Repeat([]byte{' '}, 4096)...)
	tests := []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"not a PDF", []byte("hello"), http.StatusBadRequest, "INVALID_FIELD"},
		{"empty", nil, http.StatusBadRequest, "INVALID_FIELD"},
		{"unknown to the ledger", padestest.SimplePDF(), http.StatusNotFound, "DOCUMENT_NOT_FOUND"},
		{"too large", big, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, h.do("POST", "/v1/verify/pdf", bytes.NewReader(tc.body), "Content-Type", "application/pdf"), tc.status, tc.code)
		})
	}
}

func TestCheckPDFPrefixRefusals(t *testing.T) {
	h := newHarness(t)
	hex := strings.Repeat("ab", 32)
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		detail string
	}{
		{"none", `{"prefixes":[]}`, http.StatusBadRequest, "INVALID_FIELD", "prefixes must hold 1..1000 entries"},
		{"not increasing", `{"prefixes":[{"end":9,"sha256":"` + hex + `"},{"end":9,"sha256":"` + hex + `"}]}`, http.StatusBadRequest, "INVALID_FIELD",
			"prefixes[1].end must be positive and greater than the one before"},
		{"zero end", `{"prefixes":[{"end":0,"sha256":"` + hex + `"}]}`, http.StatusBadRequest, "INVALID_FIELD",
			"prefixes[0].end must be positive and greater than the one before"},
		{"bad hash", `{"prefixes":[{"end":1,"sha256":"` + strings.ToUpper(hex) + `"}]}`, http.StatusBadRequest, "INVALID_FIELD",
			"prefixes[0].sha256 must be 64 lowercase hex characters"},
		{"unknown", `{"prefixes":[{"end":1,"sha256":"` + hex + `"}]}`, http.StatusNotFound, "DOCUMENT_NOT_FOUND",
			"no revision of this file is on this ledger (looked up the last 1 of 1 candidate revision ends)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := wantProblem(t, h.do("POST", "/v1/verify/pdf", strings.NewReader(tc.body), "Content-Type", "application/json"), tc.status, tc.code)
			if p.Detail != tc.detail {
				t.Fatalf("detail %q", p.Detail)
			}
		})
	}
}

// POST /v1/verify/pdf charges each file's MiB to the client's bucket: a
// file it cannot pay for is 429 RATE_LIMITED with Retry-After, before it is
// read when Content-Length announces it, after reading otherwise.
func TestCheckPDFRateLimitCountsMiB(t *testing.T) {
	h := newHarness(t)
	h.srv.pdfMiB = newLimiter(1, 2, h.clock) // 1 MiB/s, 2 MiB at once
	file := append(padestest.SimplePDF(), bytes.Repeat([]byte{' '}, 700<<10)...)
	for _, chunked := range []bool{false, true} {
		send := func() *httptest.ResponseRecorder {
			var body io.Reader = bytes.NewReader(file)
			if chunked {
				body = io.MultiReader(body) // no Content-Length
			}
			return h.do("POST", "/v1/verify/pdf", body, "Content-Type", "application/pdf")
		}
		h.advance(time.Minute) // a full bucket
		wantProblem(t, send(), http.StatusNotFound, "DOCUMENT_NOT_FOUND")
		wantProblem(t, send(), http.StatusNotFound, "DOCUMENT_NOT_FOUND")
		rec := send()
		wantProblem(t, rec, http.StatusTooManyRequests, "RATE_LIMITED")
		if got := rec.Header().Get("Retry-After"); got != "1" {
			t.Fatalf("chunked %v: Retry-After %q", chunked, got)
		}
		h.advance(time.Second)
		wantProblem(t, send(), http.StatusNotFound, "DOCUMENT_NOT_FOUND")
	}
	// Hashes cost no MiB: only the request rate limits them.
	wantProblem(t, h.doJSON("POST", "/v1/verify/pdf", map[string]any{"prefixes": pdfrev.Prefixes(file)}), http.StatusNotFound, "DOCUMENT_NOT_FOUND")
}
