package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/token"
)

func TestScanSignCommitsAndReportsTxBlockAndValidationCode(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	bob := h.ca.Signer("bob")
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", ""))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	res := decode[api.CallbackResult](t, rec)
	if res.TxID == "" || res.BlockNumber == 0 || res.ValidationCode != "VALID" || res.DocumentID != "doc-1" ||
		res.EventType != model.EventSignatureRecorded || res.DocumentStatus != model.StatusCompleted || res.Replayed {
		t.Fatalf("result %+v", res)
	}
	if !contains(h.ops.String(), `"op":"sign","documentId":"doc-1","result":"ok","txId":"`+res.TxID) {
		t.Fatalf("operation log lacks the signature: %s", h.ops)
	}
	if contains(h.ops.String(), reg.Signing[0].Token) || contains(h.ops.String(), writeKey) {
		t.Fatal("operation log holds a secret")
	}
}

func TestScanRetryAfterSuccessReturnsFirstResultReplayedWithoutSecondSubmit(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	bob := h.ca.Signer("bob")
	body := h.callback(reg.Signing[0].Token, bob, "sign", "")
	first := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", body))
	submits, events := h.ledger.Submits, h.ledger.EventCount("doc-1")

	// Retry with a fresh signature (ECDSA is randomized), as a client would.
	again := h.callback(reg.Signing[0].Token, bob, "sign", "")
	rec := h.doJSON("POST", "/v1/callbacks/scan", again)
	second := decode[api.CallbackResult](t, rec)
	if rec.Code != 200 || second.TxID != first.TxID || second.BlockNumber != first.BlockNumber || !second.Replayed {
		t.Fatalf("retry: %d %+v, first %+v", rec.Code, second, first)
	}
	if h.ledger.Submits != submits || h.ledger.EventCount("doc-1") != events {
		t.Fatal("a retry reached the ledger")
	}
}

func TestScanRetryAfterRestartIsAnsweredFromTheNonceRecord(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	bob := h.ca.Signer("bob")
	first := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", "")))
	// A new relay process (empty memory) over the same ledger.
	h.restart()
	events := h.ledger.EventCount("doc-1")
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", ""))
	res := decode[api.CallbackResult](t, rec)
	if rec.Code != 200 || !res.Replayed || res.TxID != first.TxID || res.BlockNumber != first.BlockNumber {
		t.Fatalf("%d %+v", rec.Code, res)
	}
	if h.ledger.EventCount("doc-1") != events {
		t.Fatal("ledger changed")
	}
}

func TestScanConcurrentDuplicatesSubmitOnceAndShareTheResult(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	bob := h.ca.Signer("bob")
	h.ledger.Delay = 50 * time.Millisecond
	submits := h.ledger.Submits
	const n = 8
	var wg sync.WaitGroup
	results := make([]api.CallbackResult, n)
	codes := make([]int, n)
	for i := 0; i < n; i++ {
		body := h.callback(reg.Signing[0].Token, bob, "sign", "")
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rec := h.doJSON("POST", "/v1/callbacks/scan", body)
			codes[i] = rec.Code
			results[i] = decode[api.CallbackResult](t, rec)
		}(i)
	}
	wg.Wait()
	fresh := 0
	for i := range results {
		if codes[i] != 200 || results[i].TxID != results[0].TxID {
			t.Fatalf("duplicate %d: %d %+v", i, codes[i], results[i])
		}
		if !results[i].Replayed {
			fresh++
		}
	}
	if fresh != 1 || h.ledger.Submits != submits+1 || h.ledger.EventCount("doc-1") != 2 {
		t.Fatalf("fresh answers %d, submits %d, events %d; want 1, 1, 2", fresh, h.ledger.Submits-submits, h.ledger.EventCount("doc-1"))
	}
}

func TestScanRefusalsLeaveTheLedgerUnchanged(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 2))
	bob, carol, mallory := h.ca.Signer("bob"), h.ca.Signer("carol"), h.ca.Signer("mallory")
	bobTok, carolTok := reg.Signing[0].Token, reg.Signing[1].Token
	forged := func() string { // claims edited, tag kept
		c, _ := token.Peek(bobTok)
		c.SignerID = "mallory"
		other, _ := token.Sign([]byte("another relay's key, 32 bytes long!"), c)
		return other
	}()
	badSig := h.callback(bobTok, bob, "sign", "")
	badSig.Signature = h.callback(carolTok, bob, "sign", "").Signature // signature over another payload
	reasonOnSign := h.callback(bobTok, bob, "sign", "")
	reasonOnSign.Reason = "no"

	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"forged token is 401 TOKEN_INVALID", h.callback(forged, mallory, "sign", ""), 401, "TOKEN_INVALID"},
		{"malformed token is 401 TOKEN_INVALID", api.CallbackRequest{Token: "x.y", Action: "sign"}, 401, "TOKEN_INVALID"},
		{"certificate of another person is 403 NOT_A_SIGNER", h.callback(bobTok, mallory, "sign", ""), 403, "NOT_A_SIGNER"},
		{"signer before their turn is 409 OUT_OF_TURN", h.callback(carolTok, carol, "sign", ""), 409, "OUT_OF_TURN"},
		{"signature over another payload is 422 BAD_SIGNATURE", badSig, 422, "BAD_SIGNATURE"},
		{"unknown action is 400 INVALID_FIELD", h.callback(bobTok, bob, "approve", ""), 400, "INVALID_FIELD"},
		{"reason on sign is 400 INVALID_FIELD", reasonOnSign, 400, "INVALID_FIELD"},
		{"unknown JSON field is 400 BAD_REQUEST", map[string]string{"token": bobTok, "extra": "1"}, 400, "BAD_REQUEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events, submits := h.ledger.EventCount("doc-1"), h.ledger.Submits
			wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", tc.body), tc.status, tc.code)
			if h.ledger.EventCount("doc-1") != events {
				t.Fatal("ledger changed")
			}
			if tc.code != "OUT_OF_TURN" && h.ledger.Submits != submits {
				t.Fatal("a request the relay can refuse itself reached the ledger")
			}
		})
	}
}

func TestScanExpiredTokenIs410AndLedgerUnchanged(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	body := h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", "")
	h.advance(49 * time.Hour) // past 2×sessionTTL
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", body), 410, "TOKEN_EXPIRED")
	if h.ledger.EventCount("doc-1") != 1 {
		t.Fatal("ledger changed")
	}
}

func TestScanDeclineAfterSignWithSameNonceIs409NonceReused(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	bob := h.ca.Signer("bob")
	tok := reg.Signing[0].Token
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(tok, bob, "sign", "")); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	events := h.ledger.EventCount("doc-1")
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", h.callback(tok, bob, "decline", "changed my mind")), 409, "NONCE_REUSED")
	// Also after a restart (answer from the ledger's nonce record).
	h.restart()
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", h.callback(tok, bob, "decline", "changed my mind")), 409, "NONCE_REUSED")
	if h.ledger.EventCount("doc-1") != events {
		t.Fatal("ledger changed")
	}
}

func TestScanDeclineClosesTheDocument(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "decline", "wrong amount"))
	res := decode[api.CallbackResult](t, rec)
	if rec.Code != 200 || res.EventType != model.EventSignatureDeclined || res.DocumentStatus != model.StatusDeclined {
		t.Fatalf("%d %+v", rec.Code, res)
	}
}

func TestScanWhenNetworkIsDownIs503WithRetryAfterAndNothingRecorded(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	h.ledger.Down = true
	body := h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", "")
	rec := h.doJSON("POST", "/v1/callbacks/scan", body)
	wantProblem(t, rec, 503, "UNAVAILABLE")
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	h.ledger.Down = false
	if h.ledger.EventCount("doc-1") != 1 {
		t.Fatal("ledger changed")
	}
	// The same callback succeeds once the network is back.
	if rec := h.doJSON("POST", "/v1/callbacks/scan", body); rec.Code != 200 || decode[api.CallbackResult](t, rec).Replayed {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestOperationLogMarksReplays(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	bob := h.ca.Signer("bob")
	h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", ""))
	h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", ""))
	if !contains(h.ops.String(), `"who":"Org1MSP/bob"`) || !contains(h.ops.String(), `"op":"sign","documentId":"doc-1","result":"replayed"`) {
		t.Fatalf("%s", h.ops)
	}
}

func TestScanCertificateFromAnotherOrgsCAWithTheRightCNIsUntrustedChain(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	impostor := testpki.NewCA("Org2 CA", h.ca.Cert.NotBefore, h.ca.Cert.NotAfter).Signer("bob")
	submits := h.ledger.Submits
	p := wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, impostor, "sign", "")), 422, "UNTRUSTED_CHAIN")
	if p.Detail != `the certificate of "bob" is not issued by a signer CA of Org1MSP, the org this session is for` {
		t.Fatal(p.Detail)
	}
	if h.ledger.Submits != submits {
		t.Fatal("reached the ledger")
	}
}

func TestScanSendsTheTokensMSPToTheChaincode(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", ""))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	hist, _ := h.ledger.GetHistory(context.Background(), "doc-1")
	if ev := hist.Events[1]; ev.Signature == nil || ev.Signature.Signer.MSPID != "Org1MSP" {
		t.Fatalf("%+v", ev)
	}
}

func TestScanNonStrictBase64SignatureIs422(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	body := h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", "")
	// Flip the unused low bits of the last character before the padding.
	sig := []byte(body.Signature)
	i := len(sig) - 1
	for sig[i] == '=' {
		i--
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	pos := strings.IndexByte(alphabet, sig[i])
	sig[i] = alphabet[pos|1]
	if sig[i] == body.Signature[i] {
		sig[i] = alphabet[pos&^1]
	}
	body.Signature = string(sig)
	p := wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", body), 422, "BAD_SIGNATURE")
	if p.Detail != "signature is not standard base64" {
		t.Fatal(p.Detail)
	}
}

func TestScanGarbageRacingTheRealSignerDoesNotFailIt(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	tok := reg.Signing[0].Token
	good := h.callback(tok, h.ca.Signer("bob"), "sign", "")
	bad := good
	bad.Signature = base64.StdEncoding.EncodeToString([]byte("garbage garbage garbage garbage"))
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				codes[i] = h.doJSON("POST", "/v1/callbacks/scan", bad).Code
			} else {
				codes[i] = h.doJSON("POST", "/v1/callbacks/scan", good).Code
			}
		}()
	}
	wg.Wait()
	for i, c := range codes {
		// Garbage gets 422, or a replay of the real result once it committed
		// (a retry after success is answered from memory); never the real one 422.
		if (i%2 == 1 && c != 200) || (i%2 == 0 && c != 422 && c != 200) {
			t.Fatalf("caller %d got %d: %v", i, c, codes)
		}
	}
}

// Whoever saw the QR holds the token, not the signer's key: a replay is
// answered with the first result only when it carries a proof that verifies
// (issue: a replay with garbage got 200 "VALID" and an audit line in the
// signer's name). From memory, and after a restart from the nonce record.
func TestScanReplayWithoutTheSignersProofIsRefused(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	bob, mallory := h.ca.Signer("bob"), h.ca.Signer("mallory")
	tok := reg.Signing[0].Token
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(tok, bob, "sign", "")); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	garbage := h.callback(tok, bob, "sign", "")
	garbage.Signature = base64.StdEncoding.EncodeToString([]byte("not a signature at all"))
	otherKey := h.callback(tok, mallory, "sign", "") // a real certificate, someone else's
	otherKey.CertChainPEM = bob.CertPEM
	events := h.ledger.EventCount("doc-1")
	for _, name := range []string{"remembered", "after a restart"} {
		if name == "after a restart" {
			h.restart()
		}
		wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", garbage), 422, "BAD_SIGNATURE")
		wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", otherKey), 422, "BAD_SIGNATURE")
		wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", h.callback(tok, mallory, "sign", "")), 403, "NOT_A_SIGNER")
		if rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(tok, bob, "sign", "")); rec.Code != 200 ||
			!decode[api.CallbackResult](t, rec).Replayed {
			t.Fatalf("%s: the signer's own retry: %d %s", name, rec.Code, rec.Body)
		}
	}
	if h.ledger.EventCount("doc-1") != events {
		t.Fatal("a replay changed the ledger")
	}
	if log := h.ops.String(); strings.Count(log, `"result":"replayed"`) != 2 || strings.Count(log, `"result":"BAD_SIGNATURE"`) != 4 {
		t.Fatalf("operation log: want the 2 real replays and 4 refusals logged as such:\n%s", log)
	}
}

// A retry the relay does not remember is answered from the nonce record even
// when the peer evaluating GetNonce lags behind the one that refused the
// resubmission (seen under load: a duplicate got 409 instead of its result).
func TestScanRetryIsAnsweredWhenTheNonceRecordLags(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1), signer("carol", 1))
	bob := h.ca.Signer("bob")
	first := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", "")))
	h.restart()
	h.ledger.NonceLag = 2
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", ""))
	if res := decode[api.CallbackResult](t, rec); rec.Code != 200 || !res.Replayed || res.TxID != first.TxID {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
