package flow_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// recordingPrompt answers like a person and records what was asked.
type recordingPrompt struct {
	yes      bool
	secret   string
	asked    []string
	unlocked int
}

func (p *recordingPrompt) Confirm(q string) (bool, error) {
	p.asked = append(p.asked, q)
	return p.yes, nil
}

func (p *recordingPrompt) Passphrase(string) ([]byte, error) {
	p.unlocked++
	return []byte(p.secret), nil
}

type sleeps struct{ waits []time.Duration }

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return nil
}

func newScanner(t *testing.T, id string, p *recordingPrompt, sl *sleeps) *flow.Scanner {
	t.Helper()
	ca := signertest.NewCA("ca-org1")
	ident := ca.Signer(id)
	key, cert := ident.Key, []byte(ident.CertPEM)
	ks := &keystore.Keystore{Dir: t.TempDir(), KDF: keystore.KDF{N: 1 << 14, R: 8, P: 1}}
	if err := ks.Save(keystore.Identity{ID: id}, key, cert, []byte(ca.PEM()), []byte("pw"), false); err != nil {
		t.Fatal(err)
	}
	return &flow.Scanner{Keystore: ks, Prompt: p, Out: &bytes.Buffer{},
		Retry: relayapi.Retry{Attempts: 5, Base: 100 * time.Millisecond, Max: 5 * time.Second},
		Configure: func(c *relayapi.Client) {
			c.Sleep = sl.sleep
			c.Jitter = func(d time.Duration) time.Duration { return d } // deterministic: the full back-off
		}}
}

func TestSignHappyPath(t *testing.T) {
	relay := newFakeRelay(t, []byte("%PDF-1.7 lease"))
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.TxID != "tx-01234567" || out.Result.BlockNumber != 7 || out.Result.Replayed {
		t.Fatalf("result %+v", out.Result)
	}
	if len(p.asked) != 1 || p.asked[0] != `Sign "Lease" as alice?` {
		t.Fatalf("asked %q", p.asked)
	}
	shown := s.Out.(*bytes.Buffer).String()
	for _, want := range []string{"Lease (contract-1)", relay.sha, "14 bytes", "alice (Org1MSP)", "42-17"} {
		if !strings.Contains(shown, want) {
			t.Errorf("output lacks %q:\n%s", want, shown)
		}
	}
}

// A title that would forge a "Document:" line and reverse its end (issue
// 11; the relay and the ledger refuse it now, old ledger data may hold it)
// is shown escaped on one line: the prompt's lines are the client's own.
func TestForgedTitleIsShownEscaped(t *testing.T) {
	relay := newFakeRelay(t, []byte("%PDF-1.7 lease"))
	relay.title = "Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt"
	p := &recordingPrompt{yes: false, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	_, _ = s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	shown := s.Out.(*bytes.Buffer).String()
	want := `Document:   Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt (contract-1)` + "\n"
	if !strings.HasPrefix(shown, want) || strings.Count(shown, "Document:") != 2 || strings.Count(shown, "\nDocument:") != 0 {
		t.Fatalf("shown:\n%s\nwant it to start with\n%s", shown, want)
	}
	if strings.ContainsRune(shown, '\u202e') || len(p.asked) != 1 || strings.ContainsAny(p.asked[0], "\n\u202e") {
		t.Fatalf("a raw control reached the terminal: shown %q, asked %q", shown, p.asked)
	}
}

func TestTamperedContentIsRefusedBeforeAnythingElse(t *testing.T) {
	relay := newFakeRelay(t, []byte("%PDF-1.7 lease"))
	relay.content = []byte("%PDF-1.7 lease, rent doubled") // the server's bytes changed after the QR was issued
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if !errors.Is(err, flow.ErrHashMismatch) {
		t.Fatalf("err = %v, want a hash mismatch", err)
	}
	if !strings.HasPrefix(err.Error(), "REFUSED: the content's SHA-256 ") || !strings.Contains(err.Error(), "nothing was signed") {
		t.Fatalf("error text %q", err)
	}
	if len(p.asked) != 0 || p.unlocked != 0 || len(relay.callbacks) != 0 {
		t.Fatalf("after a mismatch: %d confirmations, %d unlocks, %d callbacks; want none", len(p.asked), p.unlocked, len(relay.callbacks))
	}
}

func TestRetryOn503HonoursRetryAfterWithTheSameToken(t *testing.T) {
	relay := newFakeRelay(t, []byte("doc"))
	relay.failures = []string{"503", "503", "503-noheader", "drop"}
	sl := &sleeps{}
	s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, sl)
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if err != nil {
		t.Fatal(err)
	}
	// Retry-After: 2 twice; then back-off 100ms<<2 = 400ms (no header), 800ms (dropped connection).
	want := []time.Duration{2 * time.Second, 2 * time.Second, 400 * time.Millisecond, 800 * time.Millisecond}
	if len(sl.waits) != len(want) {
		t.Fatalf("waits %v, want %v", sl.waits, want)
	}
	for i := range want {
		if sl.waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", sl.waits, want)
		}
	}
	if len(relay.callbacks) != 5 {
		t.Fatalf("%d callbacks, want 5", len(relay.callbacks))
	}
	for i, cb := range relay.callbacks {
		if !reflect.DeepEqual(cb, relay.callbacks[0]) {
			t.Fatalf("callback %d differs from the first: a retry must resend the same token and signature", i)
		}
	}
	if out.Result.TxID != "tx-01234567" {
		t.Fatalf("result %+v", out.Result)
	}
}

func TestRetriesRunOut(t *testing.T) {
	relay := newFakeRelay(t, []byte("doc"))
	relay.failures = []string{"503", "503", "503", "503", "503", "503"}
	s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	var p *api.Problem
	if !errors.As(err, &p) || p.Code != "UNAVAILABLE" || p.Status != 503 {
		t.Fatalf("err = %v", err)
	}
	if err.Error() != "relay: UNAVAILABLE: no endorsement (HTTP 503)" {
		t.Fatalf("error text %q", err)
	}
}

func TestRefusals(t *testing.T) {
	relay := newFakeRelay(t, []byte("doc"))
	for _, tc := range []struct {
		name string
		id   string // the stored identity
		p    *recordingPrompt
		req  flow.Request
		want string
	}{
		{"a QR for another signer", "bob", &recordingPrompt{yes: true, secret: "pw"},
			flow.Request{QR: relay.qr("alice"), Action: "sign"},
			`this QR code is for another signer: it names Org1MSP/alice, this client holds "bob"`},
		{"a wrong passphrase", "alice", &recordingPrompt{yes: true, secret: "nope"},
			flow.Request{QR: relay.qr("alice"), Action: "sign"}, "keystore: wrong passphrase"},
		{"a person saying no", "alice", &recordingPrompt{yes: false, secret: "pw"},
			flow.Request{QR: relay.qr("alice"), Action: "sign"}, "not confirmed; nothing was signed"},
		{"a decline without reason", "alice", &recordingPrompt{yes: true, secret: "pw"},
			flow.Request{QR: relay.qr("alice"), Action: "decline"}, "declining needs a reason"},
		{"a forged token", "alice", &recordingPrompt{yes: true, secret: "pw"},
			flow.Request{QR: relay.qr("alice") + "x", Action: "sign"},
			"the QR code does not carry a qrsign session: token: malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScanner(t, tc.id, tc.p, &sleeps{})
			_, err := s.Run(context.Background(), tc.req)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if len(relay.callbacks) != 0 {
		t.Fatalf("%d callbacks after refusals", len(relay.callbacks))
	}
}

func TestDeclineBindsTheReason(t *testing.T) {
	relay := newFakeRelay(t, []byte("doc"))
	s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, &sleeps{})
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: "decline", Reason: "wrong rent"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.EventType != "SignatureDeclined" || relay.callbacks[0].Reason != "wrong rent" {
		t.Fatalf("result %+v, callback %+v", out.Result, relay.callbacks[0])
	}
}

// A relay that recorded the signature but lost the answer, and then (having
// forgotten) calls the retry NONCE_REUSED: the client finds its own
// signature on the ledger and reports it instead of a failure.
func TestALostAnswerIsFoundOnTheLedger(t *testing.T) {
	relay := newFakeRelay(t, []byte("doc"))
	relay.failures = []string{"forgetful"}
	s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, &sleeps{})
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.TxID != "tx-01234567" || !out.Result.Replayed || out.Result.BlockNumber != 7 {
		t.Fatalf("result %+v", out.Result)
	}
	if len(relay.callbacks) != 2 {
		t.Fatalf("%d callbacks, want 2", len(relay.callbacks))
	}
}

// Someone else's use of the nonce is not mistaken for ours.
func TestANonceUsedByAnotherKeyStaysAnError(t *testing.T) {
	relay := newFakeRelay(t, []byte("doc"))
	relay.forgetful = true
	relay.recorded = &model.Event{Type: model.EventSignatureRecorded, DocumentID: "contract-1", TxID: "tx-other",
		Signature: &model.SignatureEvidence{Nonce: "0123456789abcdef0123456789abcdef", CertFingerprint: strings.Repeat("a", 64)}}
	s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if err == nil || err.Error() != "relay: NONCE_REUSED: this signing session was already used (HTTP 409)" {
		t.Fatalf("err = %v", err)
	}
}
