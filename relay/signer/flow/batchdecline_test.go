package flow_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/flow"
)

// Declining a batch signs only the decline payload: the relay's PDF and
// .p7s signatures (GET /v1/sessions/{t}/batch) are not asked for, and the
// callback carries no per-document signatures, even where the relay would
// list .p7s entries.
func TestBatchDeclineSignsNoPerDocumentSignatures(t *testing.T) {
	relay := newBatchRelay(t, 3)
	mux := http.NewServeMux()
	mux.Handle("/", relay.srv.Config.Handler)
	var asked atomic.Int32
	mux.HandleFunc("GET /v1/sessions/{token}/batch", func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		out := api.BatchSignatures{}
		for i := range relay.docs {
			out.Documents = append(out.Documents, api.BatchSignatureDoc{DocumentID: batchDocID(i), P7S: true})
		}
		json.NewEncoder(w).Encode(out)
	})
	relay.srv.Config.Handler = mux
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr(t, relay.root()), Action: api.ActionDecline, Reason: "Wrong rates"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.EventType != model.EventSignatureDeclined || asked.Load() != 0 {
		t.Fatalf("event %s, /batch asked %d times; want %s and 0", out.Result.EventType, asked.Load(), model.EventSignatureDeclined)
	}
	if cb := relay.callbacks; len(cb) != 1 || cb[0].Action != api.ActionBatchDecline || len(cb[0].Documents) != 0 {
		t.Fatalf("callbacks %+v: want one batch-decline without documents", cb)
	}
}

// Declining a batch that holds PDFs, at a relay that makes PDF signatures,
// succeeds: nothing is fetched or checked against contents a decline does
// not keep.
func TestBatchDeclineWithPDFsAtAPDFSigningRelay(t *testing.T) {
	relay := newBatchPDFRelay(t, 0)
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr(t, relay.root()), Action: api.ActionDecline, Reason: "Wrong rates"})
	if err != nil {
		t.Fatalf("declining a batch with PDFs: %v (callbacks posted: %d)", err, len(relay.callbacks))
	}
	if out.Result.EventType != model.EventSignatureDeclined {
		t.Fatalf("event %s, want %s", out.Result.EventType, model.EventSignatureDeclined)
	}
	if cb := relay.callbacks; len(cb) != 1 || cb[0].Action != api.ActionBatchDecline || len(cb[0].Documents) != 0 || cb[0].Reason != "Wrong rates" {
		t.Fatalf("callbacks %+v: want one batch-decline without documents", cb)
	}
}
