package session

import (
	"errors"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/token"
)

var (
	key   = []byte("0123456789abcdef0123456789abcdef")
	sha   = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	bob   = model.SignerSpec{ID: "bob", MSPID: "Org1MSP", RoutingOrder: 1}
	carol = model.SignerSpec{ID: "carol", MSPID: "Org1MSP", RoutingOrder: 1}
	t0    = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	far   = t0.Add(30 * 24 * time.Hour)
)

func TestOneSignerOneDocumentOneEpochIsOneStableToken(t *testing.T) {
	is, _ := NewIssuer(key, time.Hour)
	a, err := is.Issue("doc-1", sha, bob, far, t0.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := is.Issue("doc-1", sha, bob, far, t0.Add(50*time.Minute))
	if a.Token != b.Token || a.MatchCode != b.MatchCode {
		t.Fatal("same epoch, different tokens")
	}
	if a.ExpiresAt != t0.Add(2*time.Hour) {
		t.Fatalf("expires %v, want end of the next epoch", a.ExpiresAt)
	}
}

func TestNoncesDifferAcrossSignersDocumentsEpochsAndKeys(t *testing.T) {
	is, _ := NewIssuer(key, time.Hour)
	other, _ := NewIssuer([]byte("another key, also 32 bytes long!"), time.Hour)
	base, _ := is.Issue("doc-1", sha, bob, far, t0)
	seen := map[string]string{base.Claims.Nonce: "base"}
	for name, s := range map[string]func() (Session, error){
		"signer": func() (Session, error) { return is.Issue("doc-1", sha, carol, far, t0) },
		"doc":    func() (Session, error) { return is.Issue("doc-2", sha, bob, far, t0) },
		"epoch":  func() (Session, error) { return is.Issue("doc-1", sha, bob, far, t0.Add(time.Hour)) },
		"key":    func() (Session, error) { return other.Issue("doc-1", sha, bob, far, t0) },
	} {
		got, err := s()
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := seen[got.Claims.Nonce]; dup || len(got.Claims.Nonce) != 32 {
			t.Fatalf("%s: nonce %q repeats %s", name, got.Claims.Nonce, prev)
		}
		seen[got.Claims.Nonce] = name
	}
}

func TestTokenNeverOutlivesTheDocument(t *testing.T) {
	is, _ := NewIssuer(key, time.Hour)
	s, _ := is.Issue("doc-1", sha, bob, t0.Add(10*time.Minute), t0)
	if s.ExpiresAt != t0.Add(10*time.Minute) {
		t.Fatalf("expires %v", s.ExpiresAt)
	}
	if _, err := is.Issue("doc-1", sha, bob, t0, t0); err == nil || err.Error() != "DOCUMENT_EXPIRED: document doc-1 expired at 2026-11-24T10:00:00Z" {
		t.Fatalf("%v", err)
	}
}

func TestVerifyRefusesForgedAndExpiredTokens(t *testing.T) {
	is, _ := NewIssuer(key, time.Hour)
	other, _ := NewIssuer([]byte("another key, also 32 bytes long!"), time.Hour)
	s, _ := is.Issue("doc-1", sha, bob, far, t0)
	if c, err := is.Verify(s.Token, t0); err != nil || c.Nonce != s.Claims.Nonce {
		t.Fatal(err)
	}
	if _, err := other.Verify(s.Token, t0); !errors.Is(err, token.ErrForged) {
		t.Fatalf("%v", err)
	}
	if _, err := is.Verify(s.Token, s.ExpiresAt); !errors.Is(err, token.ErrExpired) {
		t.Fatalf("%v", err)
	}
}

func TestMatchCodeIsSixDigitsFromTheTokenHash(t *testing.T) {
	// SHA-256("abc") starts ba7816bf: 0xba7816bf = 3128432319; mod 10^6 = 432319.
	if got := MatchCode("abc"); got != "432319" {
		t.Fatalf("MatchCode(abc) = %q", got)
	}
}
