//go:build integration

package e2e

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
)

// forgedTitle is issue 11's title: it would print a forged second
// "Document:" line and reverse the end of the title.
const forgedTitle = "Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt"

// Clear signing at the relay: a title that would mislead the signer is
// refused with 400 INVALID_FIELD naming the field, before the file is
// stored or anything reaches the ledger; so is a title whose JSON holds a
// lone surrogate (which encoding/json would have turned into U+FFFD).
func TestMisleadingTitlesAreRefusedByTheRelay(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	signers := fmt.Sprintf(`[{"id":%q,"mspId":%q,"routingOrder":1}]`, alice.id, alice.msp)
	for _, tc := range []struct {
		name   string
		title  string // as JSON text
		detail string
	}{
		{"forged Document line and bidi override", mustJSON(forgedTitle), "title: U+000A at byte 25 is a control character"},
		{"right-to-left override alone", mustJSON("Newsletter subscription\u202e fdp.txt"),
			"title: U+202E at byte 23 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"C1 control", mustJSON("Invoice\u009b31m"), "title: U+009B at byte 7 is a C1 control character"},
		{"lone surrogate", `"Loan \ud800"`, `title: holds \ud800, a lone surrogate (not a character)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := unique("forged")
			body := content("forged " + id)
			meta := json.RawMessage(fmt.Sprintf(`{"id":%q,"title":%s,"docType":"contract","mediaType":"application/pdf","owner":"e2e-app","signers":%s,"priority":1}`,
				id, tc.title, signers))
			status, b := e.uploadRaw(t, e.org.Relay.APIKey, meta, body)
			var p struct{ Code, Detail string }
			json.Unmarshal(b, &p)
			if status != http.StatusBadRequest || p.Code != "INVALID_FIELD" || p.Detail != tc.detail {
				t.Fatalf("upload: HTTP %d %s\nwant 400 INVALID_FIELD %q", status, b, tc.detail)
			}
			if st, b := e.get(t, "/v1/documents/"+id+"/provenance"); st != http.StatusNotFound {
				t.Fatalf("provenance of the refused document: HTTP %d %s", st, b)
			}
			if _, err := os.Stat(e.blobPath(t, fmt.Sprintf("%x", sha256.Sum256(body)))); !os.IsNotExist(err) {
				t.Fatalf("the refused upload's bytes were stored: %v", err)
			}
		})
	}
}

// Clear signing at the ledger: the chaincode itself refuses the forged
// title when a client goes around the relay (an org admin through the
// Fabric gateway, endorsed by a real peer).
func TestForgedTitleIsRefusedByTheChaincode(t *testing.T) {
	e := setup(t)
	contract := e.adminContract(t)
	id := unique("forged-cc")
	req := model.RegisterDocumentRequest{ID: id, SHA256: strings.Repeat("ab", 32), Size: 3, MediaType: "application/pdf",
		Title: forgedTitle, DocType: "contract", Owner: "e2e-app", Priority: 1, ExpiresAt: time.Now().Add(time.Hour).UTC(),
		Signers: []model.SignerSpec{{ID: "alice", MSPID: e.org.MSPID, RoutingOrder: 1}}}
	arg, _ := json.Marshal(req)
	_, err := contract.SubmitTransaction("RegisterDocument", string(arg))
	const want = "INVALID_FIELD: title: U+000A at byte 25 is a control character"
	if code, _ := model.CodeOf(err); err == nil || code != model.CodeInvalidField || !strings.Contains(err.Error(), want) {
		t.Fatalf("RegisterDocument with the forged title: %v\nwant the chaincode's %q", err, want)
	}
	// A lone surrogate escape, which encoding/json would read as U+FFFD.
	lone := strings.Replace(string(arg), `"title":"`, `"title":"\ud800`, 1)
	_, err = contract.SubmitTransaction("RegisterDocument", lone)
	if err == nil || !strings.Contains(err.Error(), `INVALID_FIELD: title: holds \ud800, a lone surrogate (not a character)`) {
		t.Fatalf("RegisterDocument with a lone surrogate: %v", err)
	}
	if out, err := contract.EvaluateTransaction("GetDocument", id); err == nil {
		t.Fatalf("the refused document is on the ledger: %s", out)
	}
}

// The sign-in's User-Agent, chosen by whoever asked for the challenge, is
// shown to the scanner by the real `qrsign login` escaped: the override is
// visible as \u202e and cannot reverse or hide the end of the line.
func TestLoginShowsTheRequesterEscaped(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	req, _ := http.NewRequest(http.MethodPost, e.org.Relay.URL+"/v1/login/challenges", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 \u202eexe.kcatta")
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ch api.LoginChallenge
	err = json.NewDecoder(resp.Body).Decode(&ch)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil {
		t.Fatalf("create challenge: HTTP %d %v", resp.StatusCode, err)
	}
	_, png := e.scanQRFile(t, ch.QRURL)
	res := alice.login(t, png)
	if res.code != 0 || !strings.Contains(res.stdout, `Browser:    Mozilla/5.0 \u202eexe.kcatta`+"\n") || strings.ContainsRune(res.stdout, '\u202e') {
		t.Fatalf("qrsign login: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func mustJSON(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
