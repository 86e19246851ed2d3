package flow_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/flow"
)

// scanPath is a relay serving one kind of QR: a document's or a batch's.
type scanPath interface {
	qr(t *testing.T, signer string) string
	tamperSession(func(*api.Session))
	// serveOther makes the relay serve bytes other than the QR names, and
	// says the refusal that must follow.
	serveOther() string
	posted() int
}

// postCount counts a fake relay's callbacks.
type postCount struct {
	lock  *sync.Mutex
	posts *[]api.CallbackRequest
}

func (c postCount) posted() int {
	c.lock.Lock()
	defer c.lock.Unlock()
	return len(*c.posts)
}

type documentPath struct {
	*fakeRelay
	postCount
}

func (p documentPath) qr(_ *testing.T, signer string) string { return p.fakeRelay.qr(signer) }
func (p documentPath) tamperSession(fn func(*api.Session))   { p.tamper = fn }

func (p documentPath) serveOther() string {
	p.content = []byte("%PDF-1.7 lease, rent doubled")
	sum := sha256.Sum256(p.content)
	return (&flow.HashMismatchError{Source: "content", Want: p.sha, Got: hex.EncodeToString(sum[:])}).Error()
}

type batchPath struct {
	*batchRelay
	postCount
}

func (p batchPath) qr(t *testing.T, signer string) string {
	p.signer = signer
	return p.batchRelay.qr(t, p.root())
}
func (p batchPath) tamperSession(fn func(*api.Session)) { p.session = fn }

func (p batchPath) serveOther() string {
	want, got := sha256.Sum256(p.docs[1]), sha256.Sum256([]byte("%PDF-1.7 a substituted page"))
	p.served[1] = []byte("%PDF-1.7 a substituted page")
	return (&flow.HashMismatchError{Source: `batch document 2 "Contract 2" (batch-1.0002)`,
		Want: hex.EncodeToString(want[:]), Got: hex.EncodeToString(got[:])}).Error()
}

var scanPaths = []struct {
	name string
	new  func(t *testing.T) scanPath
}{
	{"document", func(t *testing.T) scanPath {
		f := newFakeRelay(t, []byte("%PDF-1.7 lease"))
		return documentPath{f, postCount{&f.mu, &f.callbacks}}
	}},
	{"batch", func(t *testing.T) scanPath {
		f := newBatchRelay(t, 3)
		return batchPath{f, postCount{&f.mu, &f.callbacks}}
	}},
}

// scanChecks are the client-side checks every scan path runs, each with the
// exact refusal it gives ("" = the scan succeeds).
var scanChecks = []struct {
	name    string
	holder  string           // the stored identity
	prompt  *recordingPrompt // nil: yes, the right passphrase
	action  string
	reason  string
	arrange func(p scanPath) (want string) // "" = the scan succeeds
	is      error
}{
	{name: "unknown action", action: "approve",
		arrange: func(scanPath) string { return `unknown action "approve"` }},
	{name: "a reason on a signature", reason: "because",
		arrange: func(scanPath) string { return "a reason is given only when declining" }},
	{name: "a decline without a reason", action: api.ActionDecline, reason: "  ",
		arrange: func(scanPath) string { return "declining needs a reason" }},
	{name: "a session for another nonce", is: flow.ErrSessionMismatch, arrange: func(p scanPath) string {
		p.tamperSession(func(s *api.Session) { s.Nonce = strings.Repeat("0", 32) })
		return "the relay's session does not match the QR code: nonce differs"
	}},
	{name: "a session for another signer", is: flow.ErrSessionMismatch, arrange: func(p scanPath) string {
		p.tamperSession(func(s *api.Session) { s.Signer.ID = "mallory" })
		return "the relay's session does not match the QR code: signer Org1MSP/mallory, QR says Org1MSP/alice"
	}},
	{name: "a session without a channel", is: flow.ErrSessionMismatch, arrange: func(p scanPath) string {
		p.tamperSession(func(s *api.Session) { s.Channel = "" })
		return "the relay's session does not match the QR code: no channel"
	}},
	{name: "bytes other than the QR names", is: flow.ErrHashMismatch, arrange: scanPath.serveOther},
	{name: "a QR for another signer", holder: "bob", is: flow.ErrWrongSigner, arrange: func(scanPath) string {
		return `this QR code is for another signer: it names Org1MSP/alice, this client holds "bob"`
	}},
	{name: "a person saying no", prompt: &recordingPrompt{yes: false, secret: "pw"}, is: flow.ErrNotConfirmed,
		arrange: func(scanPath) string { return "not confirmed; nothing was signed" }},
	{name: "a wrong passphrase", prompt: &recordingPrompt{yes: true, secret: "nope"},
		arrange: func(scanPath) string { return "keystore: wrong passphrase" }},
	{name: "control characters in the relay's text", arrange: func(p scanPath) string {
		p.tamperSession(func(s *api.Session) { s.Title += "\x1b[2J"; s.MatchCode += "\x07" })
		return ""
	}},
	{name: "a decline", action: api.ActionDecline, reason: "wrong rent", arrange: func(scanPath) string { return "" }},
}

// Every client-side check gives the same refusal on a document's QR and a
// batch's, before anything is posted; what is shown is escaped on both.
func TestEveryScanPathRunsEveryCheck(t *testing.T) {
	for _, tc := range scanChecks {
		for _, path := range scanPaths {
			t.Run(path.name+"/"+tc.name, func(t *testing.T) {
				p := path.new(t)
				want := tc.arrange(p)
				holder, prompt, action := tc.holder, tc.prompt, tc.action
				if holder == "" {
					holder = "alice"
				}
				if prompt == nil {
					prompt = &recordingPrompt{yes: true, secret: "pw"}
				}
				prompt = &recordingPrompt{yes: prompt.yes, secret: prompt.secret} // each run its own
				if action == "" {
					action = api.ActionSign
				}
				s := newScanner(t, holder, prompt, &sleeps{})
				out, err := s.Run(context.Background(), flow.Request{QR: p.qr(t, "alice"), Action: action, Reason: tc.reason})
				shown := s.Out.(*bytes.Buffer).String()
				if want != "" {
					if err == nil || err.Error() != want || (tc.is != nil && !errors.Is(err, tc.is)) {
						t.Fatalf("err = %v\nwant %s", err, want)
					}
					if p.posted() != 0 {
						t.Fatalf("%d callbacks after a refusal", p.posted())
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				wantEvent := map[string]model.EventType{api.ActionSign: model.EventSignatureRecorded, api.ActionDecline: model.EventSignatureDeclined}[action]
				if p.posted() != 1 || out.Result.EventType != wantEvent {
					t.Fatalf("%d callbacks, result %+v", p.posted(), out.Result)
				}
				if strings.ContainsAny(shown, "\x1b\x07") || !strings.Contains(shown, "Signer:     alice (Org1MSP)") ||
					(tc.reason != "" && !strings.Contains(shown, "Reason:     "+tc.reason+"\n")) {
					t.Fatalf("shown:\n%q", shown)
				}
			})
		}
	}
}
