package events

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestPublishReachesOnlyTheDocumentsSubscribersAndRecordsTheBlock(t *testing.T) {
	h := NewHub()
	var gotTx string
	var gotBlock uint64
	h.OnCommit = func(tx string, b uint64) { gotTx, gotBlock = tx, b }
	a, cancelA := h.Subscribe("doc-a")
	b, cancelB := h.Subscribe("doc-b")
	defer cancelB()
	payload, _ := json.Marshal([]model.Event{{Type: model.EventSignatureRecorded, DocumentID: "doc-a", Seq: 1, TxID: "t1"},
		{Type: model.EventDocumentCompleted, DocumentID: "doc-a", Seq: 2, TxID: "t1"}})
	h.Publish(42, "t1", payload)
	for _, want := range []model.EventType{model.EventSignatureRecorded, model.EventDocumentCompleted} {
		var msg struct {
			Event       model.Event `json:"event"`
			BlockNumber uint64      `json:"blockNumber"`
		}
		json.Unmarshal(<-a, &msg)
		if msg.Event.Type != want || msg.BlockNumber != 42 {
			t.Fatalf("%+v", msg)
		}
	}
	if len(b) != 0 || gotTx != "t1" || gotBlock != 42 {
		t.Fatalf("doc-b got %d messages; OnCommit %s %d", len(b), gotTx, gotBlock)
	}
	cancelA()
	h.Publish(43, "t2", payload) // no subscriber left for doc-a: nothing blocks
	if len(h.subs) != 1 {
		t.Fatalf("subscriptions %v", h.subs)
	}
}

func TestSlowSubscriberIsDroppedAndClosedNotStallingTheHub(t *testing.T) {
	h := NewHub()
	slow, cancel := h.Subscribe("doc-a")
	defer cancel()
	fast, cancelFast := h.Subscribe("doc-a")
	defer cancelFast()
	payload, _ := json.Marshal([]model.Event{{Type: model.EventAnnotated, DocumentID: "doc-a"}})
	got := 0
	for i := 0; i < 500; i++ {
		h.Publish(uint64(i), "t", payload) // returns although slow never reads
		<-fast
		got++
	}
	n := 0
	for range slow { // drains the buffer, then ends: the channel was closed
		n++
	}
	if n != 64 || got != 500 {
		t.Fatalf("slow subscriber got %d before being closed (want its buffer, 64); fast got %d", n, got)
	}
	h.mu.Lock()
	left := len(h.subs["doc-a"])
	h.mu.Unlock()
	if left != 1 {
		t.Fatalf("%d subscribers left, want the fast one", left)
	}
}

// A watcher of many documents wakes once for a transaction that touches all
// of them, is never dropped however slow, hears nothing of other documents,
// and is gone from every document after cancel.
func TestWatchCoalescesAcrossDocumentsAndIsNeverDropped(t *testing.T) {
	h := NewHub()
	ids := make([]string, 500)
	evs := make([]model.Event, len(ids))
	for i := range ids {
		ids[i] = fmt.Sprintf("doc-%03d", i)
		evs[i] = model.Event{Type: model.EventSignatureRecorded, DocumentID: ids[i], Seq: 1}
	}
	w, cancel := h.Watch(ids)
	other, _ := json.Marshal([]model.Event{{Type: model.EventAnnotated, DocumentID: "doc-elsewhere"}})
	h.Publish(1, "t0", other)
	if len(w) != 0 {
		t.Fatal("a watcher was signalled for a document it does not watch")
	}
	payload, _ := json.Marshal(evs)
	for i := 0; i < 100; i++ {
		h.Publish(uint64(2+i), "t", payload) // never read in between: must not block or drop
	}
	select {
	case _, ok := <-w:
		if !ok {
			t.Fatal("watch channel closed: the watcher was dropped")
		}
	default:
		t.Fatal("no signal after 100 transactions on watched documents")
	}
	if len(w) != 0 {
		t.Fatal("signals did not coalesce into one")
	}
	cancel()
	if len(h.watch) != 0 {
		t.Fatalf("%d documents still have watchers after cancel", len(h.watch))
	}
	h.Publish(200, "t", payload)
	if len(w) != 0 {
		t.Fatal("a cancelled watcher was signalled")
	}
}
