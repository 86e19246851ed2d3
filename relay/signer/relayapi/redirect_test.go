package relayapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// A redirect off the relay's origin (here: the same host name, another
// port) is refused before it is sent: the API key never reaches it.
func TestRedirectToAnotherOriginIsRefused(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"documentId":"d","document":{"id":"d"}}`))
	}))
	defer other.Close()
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer relay.Close()
	shared := &http.Client{}
	c, _ := New(relay.URL)
	c.APIKey, c.HTTP = "secret-key", shared
	_, err := c.Provenance(context.Background(), "d")
	if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "redirected to another origin") {
		t.Fatalf("err = %v, want ErrRedirect (another origin)", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the other origin was asked %d times", n)
	}
	if shared.CheckRedirect != nil {
		t.Fatal("the shared http.Client was changed")
	}
}

// Redirects within the relay's origin are followed, at most 10.
func TestRedirectsWithinTheOrigin(t *testing.T) {
	var loops atomic.Int32
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/documents/d/provenance":
			http.Redirect(w, r, "/moved", http.StatusFound)
		case "/moved":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"documentId":"d","document":{"id":"d"}}`))
		default: // /v1/documents/loop/provenance
			loops.Add(1)
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}
	}))
	defer relay.Close()
	c, _ := New(relay.URL)
	if _, err := c.Provenance(context.Background(), "d"); err != nil {
		t.Fatalf("a same-origin redirect: %v", err)
	}
	_, err := c.Provenance(context.Background(), "loop")
	if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "more than 10 redirects") || loops.Load() != 11 {
		t.Fatalf("err = %v after %d requests, want ErrRedirect after 11", err, loops.Load())
	}
}

func TestSameOrigin(t *testing.T) {
	base := mustParse(t, "https://relay.example")
	for ref, want := range map[string]bool{
		"https://relay.example/x":      true,
		"https://RELAY.example:443/x":  true,
		"http://relay.example/x":       false,
		"https://relay.example:8443/x": false,
		"https://evil.example/x":       false,
	} {
		if got := sameOrigin(mustParse(t, ref), base); got != want {
			t.Errorf("sameOrigin(%s) = %v, want %v", ref, got, want)
		}
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
