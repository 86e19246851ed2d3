package flow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/login/proof"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// The confirmation question shows the session's signer id (the QR and the
// relay choose it) escaped: no terminal control sequence reaches the prompt.
func TestConfirmationQuestionEscapesTheSignerID(t *testing.T) {
	relay := newFakeRelay(t, []byte("%PDF-1.7 lease"))
	p := &recordingPrompt{yes: false, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice\x1b[2K\x1b[1A\rSHA-256: ok"), Action: api.ActionSign})
	if !errors.Is(err, flow.ErrNotConfirmed) {
		t.Fatalf("err = %v, want ErrNotConfirmed", err)
	}
	if len(p.asked) != 1 {
		t.Fatalf("asked %q, want one question", p.asked)
	}
	want := `as alice\u001b[2K\u001b[1A\rSHA-256: ok?`
	if q := p.asked[0]; strings.ContainsRune(q, 0x1b) || strings.ContainsRune(q, '\r') || !strings.HasSuffix(q, want) {
		t.Fatalf("question %q, want it to end %q", q, want)
	}
}

// The sign-in question shows the relay's self-declared URL escaped (a bidi
// override in its path could make it read as another relay).
func TestLoginQuestionEscapesTheRelayURL(t *testing.T) {
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		relayURL := base + "/\u202emoc.knab-doog"
		info := api.LoginInfo{ChallengeID: "c1", Channel: "qrsign", RelayURL: relayURL, MatchCode: "1",
			Nonce: "0123456789abcdef0123456789abcdef", SHA256: proof.Digest(relayURL, "c1")}
		json.NewEncoder(w).Encode(info)
	}))
	defer srv.Close()
	base = srv.URL
	ca := signertest.NewCA("ca-org1")
	p := &recordingPrompt{yes: false, secret: "pw"}
	s := loginScanner(t, ca, "alice", p)
	_, err := s.Login(context.Background(), flow.LoginRequest{QR: base + "/\u202emoc.knab-doog/l/tok"})
	if !errors.Is(err, flow.ErrNotConfirmed) {
		t.Fatalf("err = %v, want ErrNotConfirmed; shown %q", err, s.Out.(*bytes.Buffer).String())
	}
	want := "Sign in to " + base + `/\u202emoc.knab-doog as alice?`
	if len(p.asked) != 1 || p.asked[0] != want {
		t.Fatalf("asked %q, want [%q]", p.asked, want)
	}
}
