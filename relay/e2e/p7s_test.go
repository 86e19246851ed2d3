//go:build integration

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/cms"
)

// Two signers of two orgs sign a CSV file in turn with qrsign; each gets a
// detached CAdES-T .p7s recorded on the ledger and served, which openssl
// cms -verify accepts for the file with the signer's org root (and openssl
// ts -verify its time-stamp token with the root of the relay's org, whose
// TSA stamped it), and refuses for the file with one byte flipped.
func TestP7SSignedByEachSignerVerifies(t *testing.T) {
	e := setup(t)
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	alice, bob := e.enroll(t, "alice"), other.enroll(t, "bob")
	content := []byte("item,amount\n" + unique("row") + ",12\n")
	meta := map[string]any{"id": unique("csv"), "title": "Sheet with .p7s", "docType": "contract", "mediaType": "text/csv",
		"owner": "e2e-app", "priority": 1, "signers": []model.SignerSpec{{ID: alice.id, MSPID: alice.msp, RoutingOrder: 1},
			{ID: bob.id, MSPID: bob.msp, RoutingOrder: 2}}}
	status, b := e.uploadRaw(t, e.org.Relay.APIKey, meta, content)
	if status != http.StatusCreated {
		t.Fatalf("upload: HTTP %d %s", status, b)
	}
	var doc uploaded
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	id := doc.Document.ID
	for _, s := range []*signer{alice, bob} {
		link, _ := doc.link(t, s)
		res, cb := s.scan(t, "scan", link)
		if cb == nil || cb.P7S == nil {
			t.Fatalf("qrsign scan as %s made no .p7s: exit %d %+v\n%s", s.id, res.code, cb, res.stderr)
		}
	}

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data := write("sheet.csv", content)
	flipped := bytes.Clone(content)
	flipped[2] ^= 1
	bad := write("flipped.csv", flipped)
	p := e.provenance(t, id)
	for n, s := range []*signer{alice, bob} {
		status, p7s := e.get(t, fmt.Sprintf("/v1/documents/%s/signatures/%d.p7s", id, n+1))
		if status != http.StatusOK {
			t.Fatalf("%s's .p7s: HTTP %d %s", s.id, status, p7s)
		}
		recorded := false
		for _, pe := range p.Events {
			if sg := pe.Event.Signature; sg != nil && sg.P7S != nil && sg.Signer.ID == s.id {
				recorded = sg.P7S.SHA256 == sha(p7s)
			}
		}
		if !recorded {
			t.Fatalf("the ledger does not record %s's .p7s %s", s.id, sha(p7s))
		}
		root := e.info.Orgs[n].CA.CACertFile
		sig := write(fmt.Sprintf("%d.p7s", n+1), p7s)
		if out, err := cmsVerify(sig, data, root); err != nil || !strings.Contains(out, "Verification successful") {
			t.Fatalf("openssl cms -verify %s's .p7s: %v\n%s", s.id, err, out)
		}
		if out, err := cmsVerify(sig, bad, root); err == nil {
			t.Fatalf("openssl accepted %s's .p7s for a flipped byte:\n%s", s.id, out)
		}
		parsed, err := cms.Parse(p7s)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := parsed.Unsigned(cms.OIDSignatureTimeStamp)
		if err != nil {
			t.Fatalf("%s's .p7s has no signature time-stamp: %v", s.id, err)
		}
		out, err := exec.Command("openssl", "ts", "-verify", "-token_in", "-in", write(fmt.Sprintf("%d.tst", n+1), tok),
			"-data", write(fmt.Sprintf("%d.sigvalue", n+1), parsed.Signature), "-CAfile", e.org.CA.CACertFile).CombinedOutput() // the relay's org stamps
		if err != nil || !strings.Contains(string(out), "Verification: OK") {
			t.Fatalf("openssl ts -verify %s's token: %v\n%s", s.id, err, out)
		}
	}
}

// cmsVerify runs openssl cms -verify of the detached .p7s file sig over the
// file content, trusting the CA file root.
func cmsVerify(sig, content, root string) (string, error) {
	// -purpose any: the org CA's enrolled signer certificates carry no
	// S/MIME key purpose yet (network CA profile, another change).
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
		"-content", content, "-CAfile", root, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	return string(out), err
}
