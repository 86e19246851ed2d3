package httpapi

import (
	"path/filepath"
	"testing"

	"github.com/qrsign/qrsign/relay/webhook"
)

func TestWebhooksAreMountedForWriteKeys(t *testing.T) {
	h := newHarness(t)
	st, err := webhook.OpenFileStore(filepath.Join(t.TempDir(), "webhooks"), webhook.StoreOptions{Now: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wh, err := webhook.New(webhook.Config{Store: st, AllowLoopback: true, Now: h.clock, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Webhooks: wh})
	rec := h.doJSON("POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook"}, "Authorization", "Bearer "+writeKey)
	if rec.Code != 201 || !contains(rec.Body.String(), `"secret"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	wantProblem(t, h.doJSON("POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook"}, "Authorization", "Bearer "+readKey), 403, "FORBIDDEN")
	if rec := h.do("GET", "/v1/webhooks", nil, "Authorization", "Bearer "+writeKey); rec.Code != 200 || !contains(rec.Body.String(), "127.0.0.1:9/hook") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
