package flow_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
)

// Resolve's same-origin rule holds for HTTP redirects too: a content URL
// redirecting to another origin is refused, not followed with the token.
func TestRedirectOffTheRelayOriginIsRefused(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("x"))
	}))
	defer other.Close()
	relay := newFakeRelay(t, []byte("%PDF-1.7 lease"))
	mux := http.NewServeMux()
	mux.Handle("/", relay.srv.Config.Handler)
	mux.HandleFunc("GET /v1/documents/{id}/content", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/internal-admin?"+r.URL.RawQuery, http.StatusFound)
	})
	relay.srv.Config.Handler = mux
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if !errors.Is(err, relayapi.ErrRedirect) {
		t.Fatalf("err = %v, want relayapi.ErrRedirect", err)
	}
	if n := hits.Load(); n != 0 || len(p.asked) != 0 || len(relay.callbacks) != 0 {
		t.Fatalf("other origin hit %d times, asked %q, %d callbacks: want none", n, p.asked, len(relay.callbacks))
	}
}
