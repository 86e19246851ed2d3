package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// hostile is relay text that would retitle and clear a terminal; escaped
// it reads as esc.
const (
	hostile = "\x1b]0;pwned\x07\x1b[2J"
	esc     = `\u001b]0;pwned\u0007\u001b[2J`
)

// `qrsign batch upload` shows the relay's batch answer (id, root, document
// ids and files, error codes) and the sheet URL escaped.
func TestBatchUploadEscapesRelayText(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io := api.Batch{ID: "b1" + hostile, Root: "r" + hostile, Total: 1, Registered: 0,
			Documents: []api.BatchDoc{{ID: "d" + hostile, File: "a.txt" + hostile, Order: 1,
				Error: &api.DocError{Code: "BAD" + hostile, Detail: "no"}}}}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(io)
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"batch", "upload", dir, "--relay", srv.URL, "--api-key", "k", "--signer", "Org1MSP/alice"}, strings.NewReader(""), &out, &errb)
	want := "batch b1" + esc + ": 0 of 1 documents registered, Merkle root r" + esc + "\n" +
		"     1  d" + esc + "            a.txt" + esc + "  (NOT registered: BAD" + esc + " no)\n" +
		"signing sheet: " + srv.URL + "/v1/batches/b1%1B%5D0%3Bpwned%07%1B%5B2J/sheet.html\n"
	if code != 0 || out.String() != want {
		t.Fatalf("code %d, stdout\n%q\nwant\n%q\nstderr %q", code, out.String(), want, errb.String())
	}
}

// `qrsign annotate` shows the document's status before the question, and
// the relay's answer (tx id, validation code) after, escaped.
func TestAnnotateEscapesRelayText(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	ident := ca.Signer("alice")
	home := t.TempDir()
	ks := &keystore.Keystore{Dir: home, KDF: keystore.KDF{N: 1 << 14, R: 8, P: 1}}
	if err := ks.Save(keystore.Identity{ID: "alice"}, ident.Key, []byte(ident.CertPEM), []byte(ca.PEM()), []byte("password1"), false); err != nil {
		t.Fatal(err)
	}
	t.Setenv("QRSIGN_PASSPHRASE", "password1")
	t.Setenv("QRSIGN_API_KEY", "k")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/documents/{id}/provenance", func(w http.ResponseWriter, r *http.Request) {
		d := &model.DocumentView{}
		d.ID, d.Title, d.SHA256, d.Status = "doc-1", "Lease", strings.Repeat("ab", 32), model.Status("PENDING"+hostile)
		d.Signers = []model.SignerState{{SignerSpec: model.SignerSpec{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}}}
		json.NewEncoder(w).Encode(api.Provenance{DocumentID: "doc-1", Channel: "qrsign", Document: d})
	})
	mux.HandleFunc("POST /v1/documents/{id}/annotations", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(api.Annotated{TxID: "tx" + hostile, ValidationCode: "VALID" + hostile, DocumentID: "doc-1", Tags: []string{"x"}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"annotate", "doc-1", "--relay", srv.URL, "--tag", "x", "--yes", "--home", home}, strings.NewReader(""), &out, &errb)
	want := "Document:   Lease (doc-1), PENDING" + esc + "\n" +
		"SHA-256:    " + strings.Repeat("ab", 32) + "\n" +
		"Tags now:   \nAdding:     x\nSigner:     alice (Org1MSP)\n" +
		"Annotated: document doc-1 recorded in tx tx" + esc + ", block 0, VALID" + esc + "; tags now: x\n"
	if code != 0 || out.String() != want {
		t.Fatalf("code %d, stdout\n%q\nwant\n%q\nstderr %q", code, out.String(), want, errb.String())
	}
}

// `verify --trust-ledger-cas --trust-relay URL` reads the witness relay's
// public trust endpoint without this relay's API key ($QRSIGN_API_KEY).
func TestVerifySendsNoAPIKeyToWitnessRelays(t *testing.T) {
	t.Setenv("QRSIGN_API_KEY", "our-documents-read-key")
	org2 := signertest.NewCA("ca-org2")
	p, err := signertest.Provenance(org2, "Org2MSP")
	if err != nil {
		t.Fatal(err)
	}
	main := fakeTrustRelay(t, p, org2)
	var got string
	asked := 0
	witness := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		got = r.Header.Get("Authorization")
		ot := model.OrgTrust{MSPID: r.PathValue("msp")}
		ot.MSPID = strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/orgs/"), "/trust")
		ot.CAs = append(ot.CAs, model.SignerCA{Fingerprint: payload.Fingerprint(org2.Cert.Raw), CertPEM: org2.PEM()})
		json.NewEncoder(w).Encode(ot)
	}))
	defer witness.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"verify", p.DocumentID, "--relay", main, "--trust-ledger-cas", "--trust-relay", witness.URL}, strings.NewReader(""), &out, &errb)
	if code != 0 || asked == 0 || got != "" {
		t.Fatalf("code %d; the witness was asked %d times, with Authorization %q (want none)\nstdout %s\nstderr %s", code, asked, got, out.String(), errb.String())
	}
}

// A scan's result line shows what the relay answered (tx id, validation
// code, document id and status, an unknown event type) escaped.
func TestScanResultEscapesRelayText(t *testing.T) {
	r := &api.CallbackResult{TxID: "tx" + hostile, BlockNumber: 7, ValidationCode: "VALID" + hostile,
		DocumentID: "doc" + hostile, EventType: model.EventType("Odd" + hostile), DocumentStatus: model.Status("PENDING" + hostile)}
	var out bytes.Buffer
	printScanResult(&out, api.ActionSign, &flow.Outcome{Session: &api.Session{}, Result: r})
	want := "Signed: Odd" + esc + " recorded in tx tx" + esc + ", block 7, VALID" + esc + "; document doc" + esc + " is PENDING" + esc + "\n"
	if out.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", out.String(), want)
	}
	out.Reset()
	r.Documents = []string{"d1" + hostile}
	printScanResult(&out, api.ActionDecline, &flow.Outcome{Session: &api.Session{Batch: &api.BatchSession{Documents: make([]api.BatchSessionEntry, 1)}}, Result: r})
	want = "Declined batch doc" + esc + ": 1 of its 1 documents in tx tx" + esc + ", block 7, VALID" + esc + "\n  d1" + esc + "\n"
	if out.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", out.String(), want)
	}
}
