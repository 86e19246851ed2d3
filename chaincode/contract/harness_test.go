package contract

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/internal/fakestub"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

const testChannel = "qrsign"

// t0 is the test clock's start; CAs are valid a year either side of it.
var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// world is a ledger with two orgs whose CAs are registered as signer CAs,
// driven through the real contractapi router (ContractChaincode.Invoke).
type world struct {
	tb    testing.TB
	cc    *contractapi.ContractChaincode
	L     *fakestub.Ledger
	now   time.Time
	orgs  map[string]*org
	nonce int
	last  *fakestub.Stub
}

type org struct {
	msp    string
	ca     *testpki.CA
	admin  []byte
	client []byte // the relay: OU client, attribute qrsign.role=relay
	member []byte // a plain client of the org, no role
}

type signer struct {
	spec  model.SignerSpec
	cert  *x509.Certificate
	chain string
	key   crypto.Signer
	alg   model.Algorithm
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	cc, err := NewChaincode()
	if err != nil {
		tb.Fatal(err)
	}
	w := &world{tb: tb, cc: cc, L: fakestub.NewLedger(testChannel), now: t0, orgs: map[string]*org{}}
	for _, msp := range []string{"Org1MSP", "Org2MSP"} {
		o := w.newOrg(msp)
		w.must(o.admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: o.ca.PEM()}))
	}
	return w
}

func (w *world) newOrg(msp string) *org {
	ca := testpki.NewCA(msp+" CA", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
	adm, _ := ca.Issue(testpki.Leaf{CN: "admin", OUs: []string{"admin"}})
	cli, _ := ca.Issue(testpki.Leaf{CN: "relay", OUs: []string{"client"}, Attrs: map[string]string{"qrsign.role": "relay"}})
	mem, _ := ca.Issue(testpki.Leaf{CN: "member", OUs: []string{"client"}})
	o := &org{msp: msp, ca: ca, admin: fakestub.Creator(msp, adm), client: fakestub.Creator(msp, cli),
		member: fakestub.Creator(msp, mem)}
	w.orgs[msp] = o
	return o
}

// tickStep is how far each transaction's timestamp is after the last.
const tickStep = time.Second + 1234567*time.Nanosecond

// tick advances the clock so every transaction has its own timestamp.
func (w *world) tick() time.Time {
	w.now = w.now.Add(tickStep)
	return w.now
}

// invoke runs one transaction; its writes commit only if it succeeds.
func (w *world) invoke(creator []byte, fn string, args ...string) (string, error) {
	w.tb.Helper()
	stub := w.L.NewTx(w.tick(), creator, fn, args...)
	w.last = stub
	resp := w.cc.Invoke(stub)
	if resp.Status != 200 {
		if len(stub.Writes()) != 0 || stub.Event != nil { // checks all run before the first write
			w.tb.Fatalf("failed %s (%s) wrote %d keys", fn, resp.Message, len(stub.Writes()))
		}
		return "", errors.New(resp.Message)
	}
	if err := stub.Commit(); err != nil {
		return "", err
	}
	return string(resp.Payload), nil
}

func (w *world) must(creator []byte, fn string, args ...string) string {
	w.tb.Helper()
	out, err := w.invoke(creator, fn, args...)
	if err != nil {
		w.tb.Fatalf("%s: %v", fn, err)
	}
	return out
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func decode[T any](tb testing.TB, s string) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		tb.Fatalf("decode %T: %v in %s", v, err, s)
	}
	return v
}

// signer issues a certificate for (msp, id) from the org's CA.
func (w *world) signer(msp, id string, order int) *signer {
	c, k := w.orgs[msp].ca.Issue(testpki.Leaf{CN: id})
	return &signer{spec: model.SignerSpec{ID: id, MSPID: msp, RoutingOrder: order}, cert: c,
		chain: testpki.PEM(c), key: k, alg: model.AlgECDSAP256DER}
}

func (w *world) nextNonce() string {
	w.nonce++
	return fmt.Sprintf("%032x", w.nonce)
}

func docRequest(id string, signers ...*signer) model.RegisterDocumentRequest {
	specs := make([]model.SignerSpec, len(signers))
	for i, s := range signers {
		specs[i] = s.spec
	}
	return model.RegisterDocumentRequest{ID: id, SHA256: fmt.Sprintf("%064x", len(id)), Size: 1234,
		MediaType: "application/pdf", Title: "Contract " + id, DocType: "contract", Owner: "app1",
		Signers: specs, Priority: 5, ExpiresAt: t0.AddDate(0, 1, 0)}
}

func (w *world) register(id string, signers ...*signer) model.Document {
	w.tb.Helper()
	res := decode[model.WriteResult](w.tb, w.must(w.orgs["Org1MSP"].client, "RegisterDocument", js(docRequest(id, signers...))))
	return res.Document.Document
}

// sigRequest signs the canonical payload for purpose as s would.
func (w *world) sigRequest(s *signer, docID string, purpose payload.Purpose, reason string, tags []string, note string) model.SignatureRequest {
	w.tb.Helper()
	return w.pdfSigRequest(s, docID, purpose, reason, tags, note, nil)
}

// pdfSigRequest is sigRequest also signing the PDF revision pdf (when set).
func (w *world) pdfSigRequest(s *signer, docID string, purpose payload.Purpose, reason string, tags []string, note string,
	pdf *model.PDFRevision) model.SignatureRequest {
	w.tb.Helper()
	doc := model.Document{SHA256: strings.Repeat("0", 64)} // for documents not on the ledger
	if b := w.L.State[docKey(docID)]; b != nil {
		_ = json.Unmarshal(b, &doc)
	}
	nonce := w.nextNonce()
	msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: testChannel, DocumentID: docID,
		DocumentSHA256: doc.SHA256, Nonce: nonce, SignerFingerprint: payload.Fingerprint(s.cert.Raw),
		Reason: reason, Tags: tags, Note: note, PDF: pdf.Payload()})
	if err != nil {
		w.tb.Fatal(err)
	}
	sig, err := sigalg.Sign(s.alg, s.key, msg)
	if err != nil {
		w.tb.Fatal(err)
	}
	return model.SignatureRequest{DocumentID: docID, Nonce: nonce, CertChainPEM: s.chain,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: s.alg, Reason: reason, PDF: pdf}
}

func (w *world) sign(s *signer, docID string) (string, error) {
	return w.invoke(w.orgs["Org1MSP"].client, "RecordSignature", js(w.sigRequest(s, docID, payload.PurposeSign, "", nil, "")))
}

func testLeaf(cn string) testpki.Leaf { return testpki.Leaf{CN: cn} }
