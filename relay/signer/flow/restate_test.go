package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
	"github.com/qrsign/qrsign/relay/signer/flow"
)

// A relay that answers the approved signature REVISION_STALE and then
// prepares a statement the signer never approved (another name and reason
// over the same revision) gets nothing signed: a re-prepared signature goes
// out without asking only when it restates what was approved.
func TestStaleAnswerCannotSwapTheStatement(t *testing.T) {
	relay := newPDFRelay(t, 0)
	stale := false
	mux := http.NewServeMux()
	f := relay.fakeRelay
	mux.HandleFunc("GET /v1/sessions/{token}", serveSession(f.key, f.session))
	mux.HandleFunc("GET /v1/documents/{id}/content", f.serveContent)
	mux.HandleFunc("GET /v1/sessions/{token}/pdf", func(w http.ResponseWriter, r *http.Request) {
		name, reason := "alice", "Signed with qrsign"
		if stale {
			name, reason = "ACME Corp director", "I waive every claim against ACME"
		}
		pr, err := pades.Prepare(relay.revs[0], pades.Signature{Field: "qrsign-1", Name: name, Reason: reason, Time: pdfTime})
		if err != nil {
			t.Error(err)
			return
		}
		json.NewEncoder(w).Encode(api.PDFIncrement{Revision: 1, PrevSHA256: sha(relay.revs[0]), Increment: pr.Increment,
			Field: pr.Signature.Field, Name: pr.Signature.Name, Reason: pr.Signature.Reason, Time: pr.Signature.Time})
	})
	callbacks := 0
	mux.HandleFunc("POST /v1/callbacks/scan", func(w http.ResponseWriter, r *http.Request) {
		callbacks++
		stale = true
		problem(w, 409, "REVISION_STALE", "another revision landed")
	})
	f.srv.Config.Handler = mux
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if !errors.Is(err, clearsign.ErrSessionMismatch) || callbacks != 1 || len(p.asked) != 1 {
		t.Fatalf("err %v after %d callbacks, asked %q", err, callbacks, p.asked)
	}
	const want = `the relay's session does not match the QR code: after REVISION_STALE the relay states "ACME Corp director"/"I waive every claim against ACME", the signer approved "alice"/"Signed with qrsign"`
	if err.Error() != want {
		t.Fatalf("error %q\nwant %q", err, want)
	}
}
