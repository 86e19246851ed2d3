package service

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
)

// historyLedger answers GetHistory with its func; AppendDSS reads nothing
// else before it has a completed PDF.
type historyLedger struct {
	ledger.Ledger
	history func(ctx context.Context, id string) (*model.History, error)
}

func (l historyLedger) GetHistory(ctx context.Context, id string) (*model.History, error) {
	return l.history(ctx, id)
}

// syncBuf is a log sink the seals' goroutines may write while the test reads.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuf) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func dssService(history func(context.Context, string) (*model.History, error)) (*Service, *syncBuf) {
	logs := &syncBuf{}
	s := New(historyLedger{history: history}, nil, nil, "qrsign", "http://relay.test")
	s.Log = slog.New(slog.NewTextHandler(logs, nil))
	s.PDF = &PDFSigning{}
	return s, logs
}

// Close (on shutdown, before the ledger connection goes) cancels a seal
// waiting to retry rather than hang for its 2 s wait; a seal started
// after Close is not started at all.
func TestPDFSigningCloseEndsASealInItsRetryWait(t *testing.T) {
	calls := make(chan struct{}, 10)
	s, logs := dssService(func(ctx context.Context, id string) (*model.History, error) {
		calls <- struct{}{}
		return nil, fault.New(fault.CodeUnavailable, "peer down")
	})
	s.sealAfter(context.Background(), "d1")
	<-calls // the first attempt failed: the seal now waits 2 s to retry
	t0 := time.Now()
	if s.PDF.Close(50 * time.Millisecond) {
		t.Error("Close reported every seal done, but one was waiting to retry")
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("Close took %v: it waited for the retry", d)
	}
	done := make(chan struct{})
	go func() { s.PDF.WaitDSS(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("the seal still runs after Close")
	}
	s.sealAfter(context.Background(), "d2")
	s.PDF.WaitDSS()
	if n := len(calls); n != 0 {
		t.Errorf("%d more GetHistory calls after Close, want none (no retry, no new seal)", n)
	}
	out := logs.String()
	for _, want := range []string{`msg="DSS revision not recorded" document=d1 attempts=1 err="UNAVAILABLE: peer down"`,
		`msg="DSS revision not started: the relay is shutting down; a download of the document appends it" document=d2`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// A seal under way when Close begins finishes, on a context Close leaves
// alone, if it can within the timeout.
func TestPDFSigningCloseLetsASealFinish(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	started, release := make(chan struct{}), make(chan struct{})
	var ctxErr error
	s, logs := dssService(func(ctx context.Context, id string) (*model.History, error) {
		close(started)
		<-release
		ctxErr = ctx.Err()
		// Not a PDF: AppendDSS answers nil, nothing to seal.
		return &model.History{DocumentID: id, Events: []model.Event{{Type: model.EventDocumentRegistered, DocumentID: id, Timestamp: at,
			Registered: &model.DocumentRegistered{RegisterDocumentRequest: model.RegisterDocumentRequest{ID: id, MediaType: "text/plain",
				Signers: []model.SignerSpec{{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}}, ExpiresAt: at.Add(time.Hour)}}}}}, nil
	})
	s.sealAfter(context.Background(), "d1")
	<-started
	closed := make(chan bool, 1)
	go func() { closed <- s.PDF.Close(10 * time.Second) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a seal was under way")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case ok := <-closed:
		if !ok {
			t.Error("Close reported a seal cut short")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the seal finished")
	}
	if ctxErr != nil {
		t.Errorf("the seal's context ended before it finished: %v", ctxErr)
	}
	if out := logs.String(); out != "" {
		t.Errorf("want no log, got:\n%s", out)
	}
}
