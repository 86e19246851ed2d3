package flow_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/signer/flow"

	"github.com/qrsign/qrsign/relay/api"
)

const annotSHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// annotRelay serves one document's provenance (with the channel) and
// checks annotation signatures for real, as the relay's pre-verification does.
type annotRelay struct {
	srv     *httptest.Server
	signers []model.SignerSpec
	fail503 int // answer this many posts 503 first

	mu    sync.Mutex
	posts []api.AnnotationRequest
	tags  []string
}

func newAnnotRelay(t *testing.T, signers ...model.SignerSpec) *annotRelay {
	f := &annotRelay{signers: signers, tags: []string{"lease"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/documents/{id}/provenance", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer read-key" {
			problem(w, 401, "UNAUTHORIZED", "no key")
			return
		}
		p := api.Provenance{DocumentID: r.PathValue("id"), Channel: "qrsign", Document: &model.DocumentView{}}
		p.Document.ID, p.Document.Title, p.Document.SHA256, p.Document.Status = p.DocumentID, "Lease", annotSHA, model.StatusCompleted
		f.mu.Lock()
		p.Document.Tags = slices.Clone(f.tags)
		f.mu.Unlock()
		for _, s := range f.signers {
			p.Document.Signers = append(p.Document.Signers, model.SignerState{SignerSpec: s})
		}
		json.NewEncoder(w).Encode(p)
	})
	mux.HandleFunc("POST /v1/documents/{id}/annotations", func(w http.ResponseWriter, r *http.Request) {
		var req api.AnnotationRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			problem(w, 400, "BAD_REQUEST", err.Error())
			return
		}
		f.mu.Lock()
		f.posts = append(f.posts, req)
		n := len(f.posts)
		f.mu.Unlock()
		if n <= f.fail503 {
			w.Header().Set("Retry-After", "1")
			problem(w, 503, "UNAVAILABLE", "no endorsement")
			return
		}
		blk, _ := pem.Decode([]byte(req.CertChainPEM))
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			problem(w, 422, "BAD_CERTIFICATE", err.Error())
			return
		}
		msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeAnnotate, Channel: "qrsign", DocumentID: r.PathValue("id"),
			DocumentSHA256: annotSHA, Nonce: req.Nonce, SignerFingerprint: payload.Fingerprint(cert.Raw), Tags: req.Tags, Note: req.Note})
		if err != nil {
			problem(w, 400, "INVALID_FIELD", err.Error())
			return
		}
		sig, _ := base64.StdEncoding.DecodeString(req.Signature)
		if err := sigalg.Verify(model.Algorithm(req.Algorithm), cert.PublicKey, msg, sig); err != nil {
			problem(w, 422, "BAD_SIGNATURE", err.Error())
			return
		}
		f.mu.Lock()
		f.tags = model.MergeTags(f.tags, req.Tags)
		res := api.Annotated{TxID: "tx-annot", BlockNumber: 9, ValidationCode: "VALID", DocumentID: r.PathValue("id"), Tags: slices.Clone(f.tags)}
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(res)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func TestAnnotateSignsTagsAndNote(t *testing.T) {
	relay := newAnnotRelay(t, model.SignerSpec{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1})
	relay.fail503 = 1
	p := &recordingPrompt{yes: true, secret: "pw"}
	sl := &sleeps{}
	s := newScanner(t, "alice", p, sl)
	res, err := s.Annotate(context.Background(), flow.Annotation{Relay: relay.srv.URL, DocumentID: "contract-1",
		Tags: []string{"hr", "urgent"}, Note: "filed with HR", APIKey: "read-key"})
	if err != nil {
		t.Fatal(err)
	}
	if res.TxID != "tx-annot" || !slices.Equal(res.Tags, []string{"hr", "lease", "urgent"}) {
		t.Fatalf("result %+v", res)
	}
	if len(relay.posts) != 2 || relay.posts[0].Nonce != relay.posts[1].Nonce || relay.posts[0].Signature != relay.posts[1].Signature {
		t.Fatalf("the retry after a 503 must repeat the same body: %+v", relay.posts)
	}
	req := relay.posts[1]
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(req.Nonce) || req.MSPID != "Org1MSP" || req.Note != "filed with HR" {
		t.Fatalf("request %+v", req)
	}
	if len(p.asked) != 1 || p.asked[0] != `Annotate "Lease" as alice?` {
		t.Fatalf("asked %q", p.asked)
	}
	// A second annotation has a fresh nonce.
	if _, err := s.Annotate(context.Background(), flow.Annotation{Relay: relay.srv.URL, DocumentID: "contract-1",
		Tags: []string{"x"}, APIKey: "read-key"}); err != nil {
		t.Fatal(err)
	}
	if relay.posts[2].Nonce == req.Nonce {
		t.Fatal("nonce reused across annotations")
	}
}

func TestAnnotateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signers []model.SignerSpec
		a       flow.Annotation
		want    string
		is      error
	}{
		{"nothing to say", nil, flow.Annotation{}, "an annotation needs --tag or --note", nil},
		{"a bad tag", nil, flow.Annotation{Tags: []string{"Bad Tag"}},
			`tag "Bad Tag": lowercase letters, digits and '-', 1..32 characters, starting with a letter or digit`, nil},
		{"not a signer", []model.SignerSpec{{ID: "bob", MSPID: "Org1MSP", RoutingOrder: 1}}, flow.Annotation{Tags: []string{"hr"}},
			`this QR code is for another signer: "alice" is not a signer of document contract-1`, flow.ErrWrongSigner},
		{"a signer in two orgs", []model.SignerSpec{{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}, {ID: "alice", MSPID: "Org2MSP", RoutingOrder: 1}},
			flow.Annotation{Tags: []string{"hr"}}, `"alice" signs document contract-1 in Org1MSP and Org2MSP; say which with --msp`, nil},
		{"another channel", []model.SignerSpec{{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}},
			flow.Annotation{Tags: []string{"hr"}, Channel: "other"}, `the relay's session does not match the QR code: the relay says channel "qrsign", --channel says "other"`, flow.ErrSessionMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relay := newAnnotRelay(t, tc.signers...)
			s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, &sleeps{})
			a := tc.a
			a.Relay, a.DocumentID, a.APIKey = relay.srv.URL, "contract-1", "read-key"
			_, err := s.Annotate(context.Background(), a)
			if err == nil || err.Error() != tc.want || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
			if len(relay.posts) != 0 {
				t.Fatal("something was posted")
			}
		})
	}
}
