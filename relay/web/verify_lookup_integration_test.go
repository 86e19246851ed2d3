//go:build integration

package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// document reads a document with the org's API key (the test's own view of the ledger).
func (s *site) document(t *testing.T, id string) model.DocumentView {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.org.Relay.URL+"/v1/documents/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+s.org.Relay.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v model.DocumentView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET document %s: %d %v", id, resp.StatusCode, err)
	}
	return v
}

// The verification page without any key: a dropped file is looked up by its
// hash, a typed transaction id (registration or signature) finds the document,
// unknown and malformed input say so, and a hash registered twice lists both.
// Without a key the relay answers the public view: positions and verdicts,
// no document ids (hash and tx lookups), titles or signer identities.
func TestVerifyPageLooksUpByHashAndTxIDInChromium(t *testing.T) {
	s := newSite(t)
	b := launchChromium(t)
	p := b.page(t)
	p.navigate(s.srv.URL + "/verify")
	p.eval(`sessionStorage.removeItem("qrsign.apiKey")`, nil)

	signer := s.enrollSigner(t)
	content := []byte("Loan agreement " + unique("lk") + "\nRepay in 12 months.\n")
	reg := s.upload(t, "Loan agreement (lookup test)", content, signer.spec)
	u, err := url.Parse(reg.Signing[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	s.sign(t, signer, strings.TrimPrefix(u.Path, "/s/"), "sign")
	doc := s.document(t, reg.Document.ID)
	sigTx := doc.Signers[0].TxID
	state := `document.getElementById("outcome").dataset.state`
	outcomeText := func() string { return p.text(`document.getElementById("outcome").innerText`) }
	query := func(v string) {
		p.eval(`(() => { const q = document.getElementById("query"); q.value = `+jsString(v)+`;
			q.dispatchEvent(new Event("input")); document.getElementById("outcome").dataset.state = "idle";
			document.getElementById("verify-submit").click(); })()`, nil)
	}

	t.Run("a dropped file is found by its hash and verified", func(t *testing.T) {
		p.t = t
		p.setFiles("#file", writeFile(t, "loan.txt", content))
		p.waitFor(state+` === "match"`, "verified match")
		if got := outcomeText(); !strings.Contains(got, "Verified") || strings.Contains(got, reg.Document.ID) {
			t.Errorf("outcome %q", got)
		}
		signers := p.text(`document.getElementById("signers-body").innerText`)
		if strings.Contains(signers, signer.spec.ID) || !strings.Contains(signers, sigTx) || !strings.Contains(strings.ToLower(signers), "signed") {
			t.Errorf("signers table %q lacks the signature tx %s", signers, sigTx)
		}
		if !strings.Contains(signers, signer.spec.MSPID) { // publicSigners: org, the default
			t.Errorf("signers table %q lacks the signer's organisation %s", signers, signer.spec.MSPID)
		}
		if got := p.text(`location.search`); got != "?sha256="+reg.Document.SHA256 {
			t.Errorf("URL query %q", got)
		}
		p.screenshot("verify-hash-match")
		p.clean()
	})

	t.Run("a changed file is not found", func(t *testing.T) {
		p.t = t
		tampered := bytes.Replace(content, []byte("12"), []byte("24"), 1)
		p.setFiles("#file", writeFile(t, "loan-changed.txt", tampered))
		p.waitFor(state+` === "notfound"`, "not found")
		if got := outcomeText(); !strings.Contains(got, "Not found") || !strings.Contains(got, "loan-changed.txt") {
			t.Errorf("outcome %q", got)
		}
		if p.text(`String(document.getElementById("record").hidden)`) != "true" {
			t.Error("a record is still shown")
		}
		p.screenshot("verify-hash-notfound")
		p.clean()
	})

	t.Run("the registration and the signature transaction ids find the document", func(t *testing.T) {
		p.t = t
		p.navigate(s.srv.URL + "/verify") // no file chosen
		for _, c := range []struct{ tx, event, shot string }{
			{doc.CreatedTxID, "Registered", "verify-tx-registration"}, // the event as the page names it (msgs.en.js)
			{sigTx, "Signed", "verify-tx-signature"},
		} {
			query(c.tx)
			p.waitFor(state+` === "found"`, "record found by tx id")
			facts := p.text(`document.getElementById("record-facts").innerText`)
			if strings.Contains(facts, reg.Document.ID) || strings.Contains(facts, signer.spec.ID) || !strings.Contains(facts, c.tx+" recorded "+c.event) {
				t.Errorf("facts for tx %s lack %q:\n%s", c.tx, c.event, facts)
			}
			if got := p.text(`location.search`); got != "?txId="+c.tx {
				t.Errorf("URL query %q", got)
			}
			p.screenshot(c.shot)
		}
		// A deep link with ?txId= goes straight to the transaction.
		p.navigate(s.srv.URL + "/verify?txId=" + sigTx)
		p.waitFor(state+` === "found"`, "record found from a ?txId= link")
		p.clean()
	})

	t.Run("unknown and malformed input", func(t *testing.T) {
		p.t = t
		// A hash nobody registered (fixed patterns like ab…ab are used by other tests).
		sum := sha256.Sum256([]byte(unique("never-registered")))
		query(hex.EncodeToString(sum[:]))
		p.waitFor(state+` === "notfound"`, "unknown hash or tx")
		if got := outcomeText(); !strings.Contains(got, "Not found") {
			t.Errorf("outcome %q", got)
		}
		p.screenshot("verify-unknown")
		query("not a hash!")
		p.waitFor(state+` === "error"`, "malformed input")
		if got := outcomeText(); !strings.Contains(got, "not a hash, transaction id or document id") {
			t.Errorf("outcome %q", got)
		}
		p.clean()
	})

	t.Run("the same bytes registered twice are both listed", func(t *testing.T) {
		p.t = t
		copyReg := s.upload(t, "Loan agreement (copy)", content, signer.spec)
		query(reg.Document.SHA256)
		p.waitFor(state+` === "found" && document.querySelectorAll("#matches button").length === 2`, "two matches")
		p.eval(`document.querySelectorAll("#matches button")[1].click()`, nil)
		p.waitFor(`document.getElementById("record-facts").innerText.includes(`+jsString(copyReg.Document.CreatedTxID)+`)`, "the copy's record")
		p.screenshot("verify-two-matches")
		p.clean()
	})
}
