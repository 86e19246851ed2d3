package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestSubscribeAdmitsOnlyAllowedHTTPURLs(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	for _, tc := range []struct {
		url      string
		loopback bool
		want     string // "" = admitted
	}{
		{"https://hooks.example.com/qrsign", false, ""},
		{"http://hooks.example.com:8080/x?y=1", false, ""},
		{"https://HOOKS.example.com/x", false, ""},
		{"https://a.apps.example.com/x", false, ""},
		{"https://apps.example.com/x", false, `WEBHOOK_URL_INVALID: host "apps.example.com" is not in the webhook allowlist`},
		{"https://evil.example/x", false, `WEBHOOK_URL_INVALID: host "evil.example" is not in the webhook allowlist`},
		{"https://hooks.example.com.evil.example/x", false, `WEBHOOK_URL_INVALID: host "hooks.example.com.evil.example" is not in the webhook allowlist`},
		{"http://127.0.0.1:9000/x", false, `WEBHOOK_URL_INVALID: host "127.0.0.1" is not in the webhook allowlist`},
		{"http://169.254.169.254/latest/meta-data", true, `WEBHOOK_URL_INVALID: host "169.254.169.254" is not in the webhook allowlist`},
		{"http://10.0.0.1/x", true, `WEBHOOK_URL_INVALID: host "10.0.0.1" is not in the webhook allowlist`},
		{"http://127.0.0.1:9000/x", true, ""},
		{"http://[::1]:9000/x", true, ""},
		{"http://localhost:9000/x", true, ""},
		{"ftp://hooks.example.com/x", false, "WEBHOOK_URL_INVALID: url must use http or https"},
		{"file:///etc/passwd", true, "WEBHOOK_URL_INVALID: url must use http or https"},
		{"hooks.example.com/x", false, "WEBHOOK_URL_INVALID: url must use http or https"},
		{"https://user:pw@hooks.example.com/x", false, "WEBHOOK_URL_INVALID: url must not contain credentials"},
		{"https://hooks.example.com/x#frag", false, "WEBHOOK_URL_INVALID: url must not have a fragment"},
		{"https:///x", false, "WEBHOOK_URL_INVALID: url must have a host"},
		{"", false, "WEBHOOK_URL_INVALID: url is not a valid URL"},
		{"http://[::1", true, "WEBHOOK_URL_INVALID: url is not a valid URL"},
		{"https://hooks.example.com/" + strings.Repeat("a", 2048), false, "WEBHOOK_URL_INVALID: url is longer than 2048 characters"},
	} {
		cfg := testConfig(st, c)
		cfg.AllowLoopback = tc.loopback
		cfg.AllowedHosts = []string{"hooks.example.com", "*.apps.example.com"}
		cfg.MaxPerKey = 1000
		_, err := newService(t, cfg).Subscribe("app", tc.url, nil)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%.60q (loopback %v): %q, want %q", tc.url, tc.loopback, got, tc.want)
		}
	}
}

func TestSubscribeRejectsUnknownEventsAndTooManyWebhooks(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	cfg := testConfig(st, c)
	cfg.MaxPerKey = 2
	s := newService(t, cfg)
	_, err := s.Subscribe("app", "http://127.0.0.1/x", []EventType{"document.completed", "document.signed"})
	if err == nil || err.Error() != `WEBHOOK_EVENTS_INVALID: unknown event type "document.signed" (want document.completed, document.declined, document.voided, document.expired)` {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		c.Advance(time.Second)
		if _, err := s.Subscribe("app", "http://127.0.0.1/x", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Subscribe("app", "http://127.0.0.1/x", nil); err == nil || err.Error() != `WEBHOOK_LIMIT: API key "app" already has 2 webhooks (the limit)` {
		t.Fatal(err)
	}
	if _, err := s.Subscribe("other", "http://127.0.0.1/x", nil); err != nil {
		t.Fatal("the limit is per key:", err)
	}
}
