package httpapi

import (
	"testing"
)

func TestWebhooksAreMountedForWriteKeys(t *testing.T) {
	h := newHarness(t)
	h.mountWebhooks()
	rec := h.doJSON("POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook"}, "Authorization", "Bearer "+writeKey)
	if rec.Code != 201 || !contains(rec.Body.String(), `"secret"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	wantProblem(t, h.doJSON("POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook"}, "Authorization", "Bearer "+readKey), 403, "FORBIDDEN")
	if rec := h.do("GET", "/v1/webhooks", nil, "Authorization", "Bearer "+writeKey); rec.Code != 200 || !contains(rec.Body.String(), "127.0.0.1:9/hook") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
