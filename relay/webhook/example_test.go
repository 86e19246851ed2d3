package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/qrsign/qrsign/relay/webhook"
)

// An app's receiver: verify the raw body with the secret returned at
// registration before trusting it, answer 2xx quickly, and deduplicate on
// the delivery id (deliveries are at-least-once).
func ExampleVerify() {
	secret := "whsec_0123456789abcdef" // from POST /v1/webhooks, stored by the app
	seen := map[string]bool{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			fmt.Println("rejected:", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(webhook.DeliveryHeader)
		if !seen[id] {
			seen[id] = true
			fmt.Println("accepted", r.Header.Get(webhook.EventHeader), id)
		}
		w.WriteHeader(http.StatusNoContent)
	})

	// What the relay sends:
	body := `{"id":"dlv_1","type":"document.completed","documentId":"contract-42"}`
	send := func(body, sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/qrsign-hook", strings.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, sig)
		req.Header.Set(webhook.EventHeader, "document.completed")
		req.Header.Set(webhook.DeliveryHeader, "dlv_1")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec.Code
	}
	sig := webhook.Sign(secret, time.Now(), []byte(body))
	fmt.Println(send(body, sig))
	fmt.Println(send(body, sig)) // a retry: acknowledged again, handled once
	fmt.Println(send(strings.Replace(body, "42", "43", 1), sig))
	fmt.Println(send(body, webhook.Sign(secret, time.Now().Add(-time.Hour), []byte(body))))
	// Output:
	// accepted document.completed dlv_1
	// 204
	// 204
	// rejected: webhook: signature does not match
	// 401
	// rejected: webhook: signature timestamp outside tolerance
	// 401
}
