package relayapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/api"
)

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, header string
		want         time.Duration
		ok           bool
	}{
		{"delta seconds", "3", 3 * time.Second, true},
		{"an HTTP date", now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{"a past date", now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"absent", "", 0, false},
		{"garbage", "soon", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := retryAfter(tc.header, now)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("retryAfter(%q) = %v, %v; want %v, %v", tc.header, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	r := Retry{Attempts: 10, Base: 100 * time.Millisecond, Max: time.Second}
	full := func(d time.Duration) time.Duration { return d }
	var got []time.Duration
	for n := 1; n <= 6; n++ {
		got = append(got, r.backoff(n, full))
	}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("back-offs %v", got)
		}
	}
	none := func(time.Duration) time.Duration { return 0 }
	if d := r.backoff(3, none); d != 200*time.Millisecond {
		t.Fatalf("jitter spans the upper half: got %v at zero jitter", d)
	}
}

func TestResolveStaysOnTheRelay(t *testing.T) {
	c, err := New("http://127.0.0.1:7080/s/whatever")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := c.Resolve("/v1/documents/d/content?token=x"); err != nil || u.String() != "http://127.0.0.1:7080/v1/documents/d/content?token=x" {
		t.Fatalf("relative: %v %v", u, err)
	}
	_, err = c.Resolve("https://evil.example/v1/documents/d/content")
	if err == nil || err.Error() != `relayapi: URL "https://evil.example/v1/documents/d/content" is not on the relay http://127.0.0.1:7080` {
		t.Fatalf("err = %v", err)
	}
}

func TestProblemsAreTyped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/sessions/used":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(409)
			w.Write([]byte(`{"type":"about:blank","title":"Conflict","status":409,"detail":"session nonce already used","code":"NONCE_REUSED","requestId":"r1"}`))
		default:
			w.WriteHeader(502)
			w.Write([]byte("bad gateway"))
		}
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	c.Retry = Retry{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}
	_, err := c.Session(context.Background(), "used")
	var p *api.Problem
	if !errors.As(err, &p) || p.Code != "NONCE_REUSED" || err.Error() != "relay: NONCE_REUSED: session nonce already used (HTTP 409)" {
		t.Fatalf("err = %v", err)
	}
	_, err = c.Session(context.Background(), "other")
	if !errors.As(err, &p) || p.Status != 502 || err.Error() != "relay: HTTP 502: bad gateway" {
		t.Fatalf("err = %v", err)
	}
}
