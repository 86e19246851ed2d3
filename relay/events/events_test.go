package events

import (
	"encoding/json"
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

func TestSlowSubscriberLosesMessagesInsteadOfStallingTheHub(t *testing.T) {
	h := NewHub()
	_, cancel := h.Subscribe("doc-a")
	defer cancel()
	payload, _ := json.Marshal([]model.Event{{Type: model.EventAnnotated, DocumentID: "doc-a"}})
	for i := 0; i < 500; i++ {
		h.Publish(uint64(i), "t", payload)
	}
}
