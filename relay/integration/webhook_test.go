//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/webhook"
)

// TestWebhookDeliversACompletionFromTheLedger: a subscription registered
// through the relay receives document.completed, signed with its secret,
// after a real signature commits (chaincode event → outbox → delivery).
func TestWebhookDeliversACompletionFromTheLedger(t *testing.T) {
	e := setup(t)
	type got struct {
		body []byte
		sig  string
		hdr  http.Header
	}
	ch := make(chan got, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{b, r.Header.Get(webhook.SignatureHeader), r.Header.Clone()}
	}))
	defer recv.Close()
	b, _ := json.Marshal(map[string]any{"url": recv.URL + "/hook", "events": []string{"document.completed"}})
	code, body, _ := e.do(t, "POST", "/v1/webhooks", bytes.NewReader(b), "Content-Type", "application/json", "X-API-Key", e.key)
	if code != 201 {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	var sub struct{ ID, Secret string }
	json.Unmarshal(body, &sub)
	defer e.do(t, "DELETE", "/v1/webhooks/"+sub.ID, nil, "X-API-Key", e.key)

	bob := e.enroll(t, "hook")
	reg := e.upload(t, bob.spec(e, 1))
	if code, body := e.post(t, "/v1/callbacks/scan", e.callback(t, reg.Signing[0].Token, bob, "sign", "")); code != 200 {
		t.Fatalf("sign: %d %s", code, body)
	}
	deadline := time.After(60 * time.Second) // a bound on a hang, not an assertion on speed
	for {
		select {
		case g := <-ch:
			var p webhook.Payload
			json.Unmarshal(g.body, &p)
			if p.DocumentID != reg.Document.ID {
				continue // another test's document
			}
			if p.Type != webhook.EventCompleted || p.TxID == "" {
				t.Fatalf("%s", g.body)
			}
			if err := webhook.Verify(sub.Secret, g.sig, g.body, time.Now(), 5*time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := openapiCheck.CheckWebhook(string(p.Type), g.hdr, g.body); err != nil {
				t.Fatal(err)
			}
			e.wantDelivered(t, sub.ID, p.ID)
			return
		case <-deadline:
			t.Fatal("no document.completed delivery within 60 s")
		}
	}
}

// wantDelivered: the subscription is listed and its deliveries show id
// delivered (the 2xx is recorded just after the receiver answers).
func (e *env) wantDelivered(t *testing.T, subID, id string) {
	t.Helper()
	code, body, _ := e.do(t, "GET", "/v1/webhooks", nil, "X-API-Key", e.key)
	if code != 200 || !bytes.Contains(body, []byte(`"id":"`+subID+`"`)) {
		t.Fatalf("list: %d %s", code, body)
	}
	deadline := time.Now().Add(30 * time.Second) // a bound on a hang, not an assertion on speed
	for {
		code, body, _ = e.do(t, "GET", "/v1/webhooks/"+subID+"/deliveries?state=delivered", nil, "X-API-Key", e.key)
		var got struct{ Deliveries []webhook.Delivery }
		json.Unmarshal(body, &got)
		for _, d := range got.Deliveries {
			if d.ID == id {
				return
			}
		}
		if code != 200 || time.Now().After(deadline) {
			t.Fatalf("deliveries: %d %s, want %s delivered", code, body, id)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
