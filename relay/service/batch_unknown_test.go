package service_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/service"
)

// lostAnswers commits RegisterDocument but loses its answer (commit status
// not read: unknown outcome), and can fail GetDocument as an evaluate that
// timed out.
type lostAnswers struct {
	*counting
	loseRegister atomic.Bool
	failGet      atomic.Bool
}

func (l *lostAnswers) RegisterDocument(ctx context.Context, r model.RegisterDocumentRequest) (*ledger.Written, error) {
	w, err := l.counting.RegisterDocument(ctx, r)
	if err == nil && l.loseRegister.Load() {
		e := ledger.Unavailable("RegisterDocument", w.TxID, errors.New("commit status: deadline exceeded"))
		e.Submitted = true
		return nil, e
	}
	return w, err
}

func (l *lostAnswers) GetDocument(ctx context.Context, id string) (*model.DocumentView, error) {
	if l.failGet.Load() {
		return nil, ledger.Unavailable("GetDocument", "", errors.New("rpc error: code = DeadlineExceeded"))
	}
	return l.counting.GetDocument(ctx, id)
}

// A batch whose first request's registrations committed with lost answers
// (503, "retry the same request") is retried; the ledger says
// DOCUMENT_EXISTS and the follow-up read fails transiently. The retry must
// stay "unknown / retry", not "refused for good" with the manifest removed.
func TestBatchRetryAfterUnknownOutcomeIsNotRefusedForGood(t *testing.T) {
	r := newScanRig(t)
	r.svc.BatchDir = t.TempDir()
	l := &lostAnswers{counting: r.ledger}
	r.svc.Ledger = l
	info, err := r.svc.Blobs.Put(context.Background(), bytes.NewReader([]byte("first\n")), "")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]service.BatchFile{"a.txt": {SHA256: info.SHA256, MediaType: "text/plain", Size: info.Size}}
	meta := api.BatchMeta{ID: "b1", Title: "Q4", Owner: "app", Priority: 1,
		Signers:   []model.SignerSpec{{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}},
		Documents: []api.BatchDocMeta{{File: "a.txt", Title: "a", DocType: "contract", MediaType: "text/plain", Order: 1}}}

	l.loseRegister.Store(true)
	_, err = r.svc.CreateBatch(context.Background(), service.Caller{Who: "app"}, meta, files)
	if c := fault.From(err).Code; c != fault.CodeUnavailable {
		t.Fatalf("first request: %v, want UNAVAILABLE", err)
	}
	if _, err := r.ledger.Ledger.GetDocument(context.Background(), "b1.0001"); err != nil {
		t.Fatalf("the first request's registration is not on the ledger: %v", err)
	}
	l.loseRegister.Store(false)
	l.failGet.Store(true)
	_, err = r.svc.CreateBatch(context.Background(), service.Caller{Who: "app"}, meta, files)
	if c := fault.From(err).Code; c != fault.CodeUnavailable {
		t.Errorf("retry: code %s, want UNAVAILABLE (the ledger holds the document; only the read failed)", c)
	}
	l.failGet.Store(false)
	if _, err := r.svc.GetBatch(context.Background(), "b1"); err != nil {
		t.Errorf("the manifest of a batch whose document the ledger holds is gone: %v", err)
	}
}
