package token

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func claims(exp time.Time) Claims {
	return Claims{DocID: "doc-1", SHA256: strings.Repeat("ab", 32), MSPID: "Org1MSP", SignerID: "alice",
		Nonce: strings.Repeat("0f", 16), Expiry: exp.Unix()}
}

func TestVerifyAcceptsWhatSignIssued(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tok, err := Sign(key, claims(now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(key, tok, now)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if want := claims(now.Add(time.Hour)); got.DocID != want.DocID || got.Nonce != want.Nonce || got.Version != Version {
		t.Fatalf("claims = %+v", got)
	}
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	good, _ := Sign(key, claims(now.Add(time.Hour)))
	expired, _ := Sign(key, claims(now))
	other, _ := Sign([]byte("ffffffffffffffffffffffffffffffff"), claims(now.Add(time.Hour)))
	head, tag, _ := strings.Cut(good, ".")
	edited, _ := Sign(key, Claims{DocID: "doc-2", Nonce: "n", Expiry: now.Add(time.Hour).Unix()})
	editedHead, _, _ := strings.Cut(edited, ".")
	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"expired at its expiry second", expired, ErrExpired},
		{"issued under another key", other, ErrForged},
		{"claims swapped under the original tag", editedHead + "." + tag, ErrForged},
		{"tag truncated", head + "." + tag[:10], ErrMalformed},
		{"no tag", head, ErrMalformed},
		{"not base64", "!!!." + tag, ErrMalformed},
		{"empty", "", ErrMalformed},
		{"oversized", strings.Repeat("a", 2000) + "." + tag, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Verify(key, tt.tok, now); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignRefusesShortKey(t *testing.T) {
	if _, err := Sign([]byte("short"), claims(time.Now())); err == nil || err.Error() != "token: key must be at least 32 bytes" {
		t.Fatalf("err = %v", err)
	}
}

func TestPeekReadsClaimsWithoutKey(t *testing.T) {
	tok, _ := Sign(key, claims(time.Unix(1, 0)))
	c, err := Peek(tok)
	if err != nil || c.SHA256 != strings.Repeat("ab", 32) {
		t.Fatalf("Peek = %+v, %v", c, err)
	}
}

func TestFromURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:7080/s/abc.def":       "abc.def",
		"https://relay.example/x/s/abc.def?x=1": "abc.def",
		"abc.def":                               "abc.def",
		"http://h/s/abc.def#frag":               "abc.def",
	} {
		if got := FromURL(in); got != want {
			t.Errorf("FromURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzPeek(f *testing.F) {
	tok, _ := Sign(key, claims(time.Unix(1, 0)))
	f.Add(tok)
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Peek(s)
		if err == nil && (c.DocID == "" || c.Version != Version) {
			t.Fatalf("Peek accepted incomplete claims %+v", c)
		}
		_, _ = Verify(key, s, time.Unix(0, 0))
	})
}

// A token sealed for one purpose never opens for another, even under the
// same key: sign-in challenges cannot pass as signing sessions.
func TestSealedTokensDoNotCrossDomains(t *testing.T) {
	tok, err := Seal(key, "qrsign-login-token/1\n", map[string]string{"doc": "d1", "n": "n1"})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := Open(key, "qrsign-login-token/1\n", tok, &v); err != nil || v["doc"] != "d1" {
		t.Fatalf("same domain: %v %v", v, err)
	}
	if _, err := Verify(key, tok, time.Unix(0, 0)); !errors.Is(err, ErrForged) {
		t.Fatalf("a login-domain token verified as a signing session: %v", err)
	}
}
