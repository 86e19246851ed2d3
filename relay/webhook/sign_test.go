package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyAcceptsOnlyTheSignedBodyWithinTolerance(t *testing.T) {
	secret := "whsec_test"
	at := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"dlv_1","type":"document.completed"}`)
	h := Sign(secret, at, body)
	if !strings.HasPrefix(h, "t=1800000000,v1=") || len(h) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	for _, tc := range []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"valid", secret, h, string(body), at.Add(time.Minute), nil},
		{"valid with a second, stale v1 (rotation)", secret, h + ",v1=00", string(body), at, nil},
		{"tampered body", secret, h, strings.Replace(string(body), "completed", "voided", 1), at, ErrSignatureMismatch},
		{"wrong secret", "whsec_other", h, string(body), at, ErrSignatureMismatch},
		{"old timestamp", secret, h, string(body), at.Add(6 * time.Minute), ErrSignatureTooOld},
		{"timestamp from the future", secret, h, string(body), at.Add(-6 * time.Minute), ErrSignatureTooOld},
		{"replayed header with a new timestamp", secret, strings.Replace(h, "t=1800000000", "t=1800000300", 1), string(body), at.Add(5 * time.Minute), ErrSignatureMismatch},
		{"no v1", secret, "t=1800000000", string(body), at, ErrSignatureHeader},
		{"no t", secret, h[strings.Index(h, "v1="):], string(body), at, ErrSignatureHeader},
		{"garbage", secret, "sha256=abc", string(body), at, ErrSignatureHeader},
		{"empty", secret, "", string(body), at, ErrSignatureHeader},
	} {
		if err := Verify(tc.secret, tc.header, []byte(tc.body), tc.now, 5*time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
