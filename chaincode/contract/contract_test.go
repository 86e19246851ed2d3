package contract

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestPingReturnsTxIDAndWritesNothing(t *testing.T) {
	w := newWorld(t)
	before := len(w.L.State)
	out := w.must(w.orgs["Org1MSP"].client, "Ping")
	if out != w.last.TxID || len(w.last.Writes()) != 0 || w.last.Event != nil || len(w.L.State) != before {
		t.Fatalf("Ping = %q, writes %d, event %v", out, len(w.last.Writes()), w.last.Event)
	}
}

func TestRegisterAndSignHappyPath(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 2)
	doc := w.register("doc-1", alice, bob)
	if doc.Status != model.StatusPending || doc.CurrentOrder != 1 || doc.OwnerMSP != "Org1MSP" || doc.EventCount != 1 {
		t.Fatalf("registered: %+v", doc)
	}
	res := decode[model.WriteResult](t, mustOK(t)(w.sign(alice, "doc-1")))
	if len(res.Events) != 1 || res.Document.CurrentOrder != 2 {
		t.Fatalf("after alice: %+v", res)
	}
	res = decode[model.WriteResult](t, mustOK(t)(w.sign(bob, "doc-1")))
	if len(res.Events) != 2 || res.Events[1].Type != model.EventDocumentCompleted || res.Document.Status != model.StatusCompleted {
		t.Fatalf("after bob: %+v", res)
	}
	if w.last.EventCount() != 1 || w.last.Event.Name != model.ChaincodeEventName {
		t.Fatalf("chaincode events: %d %+v", w.last.EventCount(), w.last.Event)
	}
	ev := decode[[]model.Event](t, string(w.last.Event.Payload))
	if len(ev) != 2 || ev[0].Type != model.EventSignatureRecorded {
		t.Fatalf("event payload %+v", ev)
	}
	rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", "doc-1"))
	if !rep.OK {
		t.Fatalf("VerifyRecord: %+v", rep)
	}
}

// wantError fails t unless a transaction failed with exactly want.
func wantError(t *testing.T, want string) func(string, error) {
	return func(_ string, err error) {
		t.Helper()
		if err == nil || err.Error() != want {
			t.Fatalf("got  %v\nwant %s", err, want)
		}
	}
}

func mustOK(t *testing.T) func(string, error) string {
	return func(s string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// The write result is assembled from pre-encoded bytes; it must be exactly
// the JSON of model.WriteResult.
func TestWriteResultIsCanonicalJSON(t *testing.T) {
	f := newFixture(t)
	for _, out := range []string{
		mustOK(t)(f.sign(f.alice, "d1")),
		f.must(f.orgs["Org1MSP"].admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: f.newOrg("Org3MSP").ca.PEM()})),
	} {
		var res model.WriteResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if again := js(res); again != out {
			t.Fatalf("result is not canonical:\n%s\n%s", out, again)
		}
	}
}

// The contract exposes exactly the transactions chaincode/README.md lists, queries tagged
// EVALUATE (what `peer chaincode query … GetMetadata` shows).
func TestMetadataListsExactlyTheTransactions(t *testing.T) {
	w := newWorld(t)
	out := w.must(nil, "org.hyperledger.fabric:GetMetadata")
	var md struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name string   `json:"name"`
				Tags []string `json:"tag"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	if err := json.Unmarshal([]byte(out), &md); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tx := range md.Contracts["qrsign"].Transactions {
		kind := "submit"
		if slices.Contains(tx.Tags, "EVALUATE") {
			kind = "evaluate"
		}
		got = append(got, tx.Name+":"+kind)
	}
	sort.Strings(got)
	want := "Annotate:submit BackfillLookupIndexes:submit DeclineSignature:submit GetDocument:evaluate GetHistory:evaluate GetNonce:evaluate " +
		"GetOrgHistory:evaluate GetOrgTrust:evaluate ListBatch:evaluate ListByHash:evaluate ListByOwner:evaluate ListBySigner:evaluate ListByTag:evaluate ListByTx:evaluate ListPending:evaluate " +
		"Ping:submit PublishCRL:submit RecordBatchDecline:submit RecordBatchSignature:submit RecordRevision:submit RecordSignature:submit RecordSignatures:submit RegisterDocument:submit RegisterSignerCA:submit " +
		"VerifyRecord:evaluate VoidDocument:submit"
	if strings.Join(got, " ") != want {
		t.Fatalf("transactions:\n got  %s\n want %s", strings.Join(got, " "), want)
	}
}

// Every check VerifyRecord reports carries a stable code, and the evidence
// checks the event they are about, so a page can name them in its language.
func TestVerifyRecordChecksHaveCodes(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 2)
	w.register("doc-1", alice, bob)
	mustOK(t)(w.sign(alice, "doc-1"))
	mustOK(t)(w.sign(bob, "doc-1"))
	rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", "doc-1"))
	var got []string
	for _, c := range rep.Checks {
		s := c.Code
		if c.Event != nil {
			s += "@" + strconv.Itoa(c.Event.Seq) + ":" + string(c.Event.Type) + ":" + c.Event.Signer
		}
		got = append(got, s)
		if !c.OK || c.Code == model.CheckCertificate && c.Params["msp"] != strings.SplitN(c.Event.Signer, "/", 2)[0] {
			t.Errorf("check %+v", c)
		}
	}
	want := "events projection certificate@1:SignatureRecorded:Org1MSP/alice signature@1:SignatureRecorded:Org1MSP/alice nonce@1:SignatureRecorded:Org1MSP/alice " +
		"certificate@2:SignatureRecorded:Org2MSP/bob signature@2:SignatureRecorded:Org2MSP/bob nonce@2:SignatureRecorded:Org2MSP/bob completion"
	if strings.Join(got, " ") != want {
		t.Fatalf("checks\n got  %s\n want %s", strings.Join(got, " "), want)
	}
	if rep.Checks[0].Params["n"] != "4" || rep.Checks[len(rep.Checks)-1].Params["n"] != "2" {
		t.Fatalf("params %v %v", rep.Checks[0].Params, rep.Checks[len(rep.Checks)-1].Params)
	}
}
