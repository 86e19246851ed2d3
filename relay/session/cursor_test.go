package session_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/session"
)

// A public lookup's cursor hides the ledger bookmark (a document id and time)
// and opens only for the lookup it continues, on any replica sharing the key.
func TestCursorsAreOpaqueAndBoundToTheirLookup(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	a, _ := session.NewIssuer(key, time.Hour)
	b, _ := session.NewIssuer(key, time.Hour) // a replica
	other, _ := session.NewIssuer(bytes.Repeat([]byte{4}, 32), time.Hour)
	bookmark := "hash/ab/2026-11-24T12:00:00.000000000Z/doc-secret-42"
	c := a.SealCursor("sha256:ab", bookmark)
	if strings.Contains(c, "doc-secret") || c == "" {
		t.Fatalf("cursor %q shows the bookmark", c)
	}
	if got, err := b.OpenCursor("sha256:ab", c); err != nil || got != bookmark {
		t.Fatalf("replica: %q %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"another hash's lookup": func() (string, error) { return a.OpenCursor("sha256:cd", c) },
		"another org's key":     func() (string, error) { return other.OpenCursor("sha256:ab", c) },
		"a raw bookmark":        func() (string, error) { return a.OpenCursor("sha256:ab", bookmark) },
		"an edited cursor":      func() (string, error) { return a.OpenCursor("sha256:ab", c[:len(c)-2]+"AA") },
		"an empty cursor":       func() (string, error) { return a.OpenCursor("sha256:ab", "") },
	} {
		if _, err := open(); !errors.Is(err, session.ErrCursor) {
			t.Errorf("%s: %v, want ErrCursor", name, err)
		}
	}
	if a.SealCursor("sha256:ab", "") != "" {
		t.Error("an empty bookmark must stay empty (no more pages)")
	}
}
