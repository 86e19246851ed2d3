package login

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokenRefusesEveryAlteration(t *testing.T) {
	key := tokenKey([]byte(strings.Repeat("k", 32)))
	now := time.Unix(1_800_000_000, 0)
	tok := signToken(key, claims{Challenge: "c1", Nonce: "n1", Expiry: now.Unix() + 60})
	if c, err := verifyToken(key, tok, now); err != nil || c.Challenge != "c1" || c.Nonce != "n1" {
		t.Fatalf("genuine token: %+v %v", c, err)
	}
	// Every single-character change, including the padding bits of the last one, is refused.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	for i := range len(tok) {
		for _, r := range alphabet {
			if byte(r) == tok[i] {
				continue
			}
			alt := tok[:i] + string(r) + tok[i+1:]
			if _, err := verifyToken(key, alt, now); err == nil {
				t.Fatalf("token altered at %d to %q verifies", i, r)
			}
		}
	}
	if _, err := verifyToken(key, tok, now.Add(time.Minute)); !errors.Is(err, errExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	if _, err := verifyToken(tokenKey([]byte(strings.Repeat("x", 32))), tok, now); !errors.Is(err, errForged) {
		t.Fatalf("another key: %v", err)
	}
}
