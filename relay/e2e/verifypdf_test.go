//go:build integration

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/service"
)

// A PDF signed by two signers of two orgs, in hand: POST /v1/verify/pdf
// (no key) recognises revisions 0, 1, 2 and the DSS revision 3 with their
// transactions, judges every increment, and says when bytes were added
// after the last; qrsign verify-evidence ties each revision to the
// bundle's proven events, judges each increment as its event records it,
// and refuses a file with an unrecorded increment.
func TestSignedPDFInHandIsRecognised(t *testing.T) {
	e := setup(t)
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	alice, bob := e.enroll(t, "alice"), other.enroll(t, "bob")
	orig := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("in-hand") + ") Tj ET")
	doc := e.upload(t, "PDF in hand", orig, []*signer{alice, bob}, []int{1, 2})
	id := doc.Document.ID
	for _, s := range []*signer{alice, bob} {
		link, _ := doc.link(t, s)
		if res, cb := s.scan(t, "scan", link); cb == nil || cb.Revision == nil {
			t.Fatalf("qrsign scan as %s: exit %d\n%s", s.id, res.code, res.stderr)
		}
	}
	revs := e.finalRevisions(t, id, 3)
	edited := append(append([]byte{}, revs[3]...), "1 0 obj\n(edited)\nendobj\n%%EOF\n"...)

	check := func(file []byte) service.PDFMatch {
		t.Helper()
		m, status := e.checkPDF(t, file)
		if status != http.StatusOK {
			t.Fatalf("POST /v1/verify/pdf: HTTP %d", status)
		}
		return m
	}
	m := check(revs[3])
	if !m.Complete || !m.Latest || m.UnrecognisedBytes != 0 || len(m.Revisions) != 4 || m.DocumentID != "" || m.IncrementError != "" {
		t.Fatalf("the signed file: %+v", m)
	}
	for n, r := range m.Revisions {
		want := []string{"", alice.msp, bob.msp, ""}[n] // publicSigners org: the MSP id only
		kind := []string{"", "", "", "dss"}[n]
		if r.Revision != n || r.Kind != kind || r.End != int64(len(revs[n])) || r.SHA256 != sha(revs[n]) || r.Signer != want || r.TxID == "" ||
			r.BlockNumber == 0 || r.Checked != (n > 0) {
			t.Fatalf("revision %d: %+v", n, r)
		}
	}
	if m := check(edited); !m.Complete || len(m.Revisions) != 4 || m.UnrecognisedBytes != int64(len(edited)-len(revs[3])) {
		t.Fatalf("the edited file: %+v", m)
	}

	bundle, _ := e.fetchEvidence(t, id)
	dir := t.TempDir()
	write := func(name string, b []byte) string { return validators.WriteTemp(t, dir, name, b) }
	bf := write("bundle.json", bundle)
	args := e.roots(t).args()
	res := run(t, "", append([]string{"verify-evidence", bf, write("signed.pdf", revs[3])}, args...)...)
	if res.code != 0 {
		t.Fatalf("verify-evidence with the signed PDF: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"ok   pdf revision 0: bytes 0..", "ok   pdf revision 1:", "the signature of " + alice.msp + "/" + alice.id,
		"ok   pdf revision 2:", "the signature of " + bob.msp + "/" + bob.id, "; exactly one signed signature increment",
		"ok   pdf revision 3:", "recorded by the DSS revision", "; exactly a DSS increment (", "ok   document file: SHA-256 " + sha(revs[3]) + " = revision 3", "VERIFIED"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, res.stdout)
		}
	}
	// The same report in Chinese: each revision tied to its event, each increment judged.
	res = runEnv(t, []string{"LC_ALL=zh_CN.UTF-8"}, "", append([]string{"verify-evidence", bf, write("signed.pdf", revs[3])}, args...)...)
	for _, want := range []string{"  通过 PDF 修订版本 0: 字节 0..", "，由登记事件记录（事件 0，交易 ",
		"  通过 PDF 修订版本 1: ", "，由 " + alice.msp + "/" + alice.id + " 的签名记录（事件 ", "；恰好是一个已签名的签名增量\n",
		"  通过 PDF 修订版本 3: ", "，由 DSS 修订记录（事件 ", "；恰好是一个 DSS 增量（",
		"  通过 文件比对: SHA-256 " + sha(revs[3]) + "，是证据包中文件的第 3 个修订版本，0 → 3 的修订链完整\n", "验证通过（VERIFIED）："} {
		if res.code != 0 || !strings.Contains(res.stdout, want) {
			t.Errorf("report in Chinese (exit %d) lacks %q:\n%s", res.code, want, res.stdout)
		}
	}
	res = run(t, "", append([]string{"verify-evidence", bf, write("edited.pdf", edited)}, args...)...)
	if res.code != 6 || !strings.Contains(res.stdout, fmt.Sprintf("FAIL document file: revisions 0..3 are recorded, but the %d bytes after revision 3 are not", len(edited)-len(revs[3]))) {
		t.Fatalf("verify-evidence with an edited PDF: exit %d, want 6\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// checkPDF posts file to POST /v1/verify/pdf without a key: the one match
// (public view) and the HTTP status.
func (e *env) checkPDF(t *testing.T, file []byte) (service.PDFMatch, int) {
	t.Helper()
	resp, err := e.http.Post(e.org.Relay.URL+"/v1/verify/pdf", "application/pdf", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return service.PDFMatch{}, resp.StatusCode
	}
	var c service.PDFCheck
	if json.Unmarshal(b, &c) != nil || len(c.Matches) != 1 || c.View != service.ViewPublic {
		t.Fatalf("POST /v1/verify/pdf: HTTP %d %s", resp.StatusCode, b)
	}
	return c.Matches[0], resp.StatusCode
}
