package service_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/internal/fakeledger"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/oplog"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/session"
	"github.com/qrsign/qrsign/relay/token"
)

// counting is the ledger at the SDK boundary, counting every call by
// chaincode function: each is one evaluate or one submit on a peer.
type counting struct {
	*fakeledger.Ledger
	mu    sync.Mutex
	calls map[string]int
}

func (c *counting) count(fn string) {
	c.mu.Lock()
	c.calls[fn]++
	c.mu.Unlock()
}

func (c *counting) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = map[string]int{}
	return out
}

// counted counts one call of fn and makes it.
func counted[T any](c *counting, fn string, call func() (T, error)) (T, error) {
	c.count(fn)
	return call()
}

func (c *counting) Ping(ctx context.Context) error { c.count("Ping"); return c.Ledger.Ping(ctx) }
func (c *counting) RegisterDocument(ctx context.Context, r model.RegisterDocumentRequest) (*ledger.Written, error) {
	return counted(c, "RegisterDocument", func() (*ledger.Written, error) { return c.Ledger.RegisterDocument(ctx, r) })
}
func (c *counting) RecordSignature(ctx context.Context, r model.SignatureRequest) (*ledger.Written, error) {
	return counted(c, "RecordSignature", func() (*ledger.Written, error) { return c.Ledger.RecordSignature(ctx, r) })
}
func (c *counting) DeclineSignature(ctx context.Context, r model.SignatureRequest) (*ledger.Written, error) {
	return counted(c, "DeclineSignature", func() (*ledger.Written, error) { return c.Ledger.DeclineSignature(ctx, r) })
}
func (c *counting) GetDocument(ctx context.Context, id string) (*model.DocumentView, error) {
	return counted(c, "GetDocument", func() (*model.DocumentView, error) { return c.Ledger.GetDocument(ctx, id) })
}
func (c *counting) GetHistory(ctx context.Context, id string) (*model.History, error) {
	return counted(c, "GetHistory", func() (*model.History, error) { return c.Ledger.GetHistory(ctx, id) })
}
func (c *counting) GetNonce(ctx context.Context, n string) (*model.NonceRecord, error) {
	return counted(c, "GetNonce", func() (*model.NonceRecord, error) { return c.Ledger.GetNonce(ctx, n) })
}
func (c *counting) BlockOfTx(ctx context.Context, tx string) (uint64, error) {
	return counted(c, "BlockOfTx", func() (uint64, error) { return c.Ledger.BlockOfTx(ctx, tx) })
}
func (c *counting) GetOrgTrust(ctx context.Context, msp string) (*model.OrgTrust, error) {
	return counted(c, "GetOrgTrust", func() (*model.OrgTrust, error) { return c.Ledger.GetOrgTrust(ctx, msp) })
}
func (c *counting) Annotate(ctx context.Context, r model.AnnotateRequest) (*ledger.Written, error) {
	return counted(c, "Annotate", func() (*ledger.Written, error) { return c.Ledger.Annotate(ctx, r) })
}
func (c *counting) RecordBatchSignature(ctx context.Context, r model.BatchSignatureRequest) (*ledger.Written, error) {
	return counted(c, "RecordBatchSignature", func() (*ledger.Written, error) { return c.Ledger.RecordBatchSignature(ctx, r) })
}
func (c *counting) RecordBatchDecline(ctx context.Context, r model.BatchSignatureRequest) (*ledger.Written, error) {
	return counted(c, "RecordBatchDecline", func() (*ledger.Written, error) { return c.Ledger.RecordBatchDecline(ctx, r) })
}
func (c *counting) List(ctx context.Context, fn ledger.ListFunc, q model.ListQuery) (*model.Page, error) {
	return counted(c, string(fn), func() (*model.Page, error) { return c.Ledger.List(ctx, fn, q) })
}
func (c *counting) ListByTx(ctx context.Context, tx string) (*model.Page, error) {
	return counted(c, "ListByTx", func() (*model.Page, error) { return c.Ledger.ListByTx(ctx, tx) })
}
func (c *counting) VerifyRecord(ctx context.Context, id string) (*model.VerifyReport, error) {
	return counted(c, "VerifyRecord", func() (*model.VerifyReport, error) { return c.Ledger.VerifyRecord(ctx, id) })
}

var _ ledger.Ledger = (*counting)(nil)

type scanRig struct {
	t      *testing.T
	ledger *counting
	svc    *service.Service
	ca     *testpki.CA
	mu     sync.Mutex
	now    time.Time
}

func newScanRig(t *testing.T) *scanRig {
	t.Helper()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r := &scanRig{t: t, ledger: &counting{Ledger: fakeledger.New(), calls: map[string]int{}},
		ca: testpki.NewCA("Org1 CA", now.Add(-time.Hour), now.Add(24*time.Hour)), now: now}
	r.ledger.Now = r.clock
	r.ledger.Trust = map[string]*model.OrgTrust{"Org1MSP": {MSPID: "Org1MSP", CAs: []model.SignerCA{{CertPEM: r.ca.PEM()}}}}
	iss, err := session.NewIssuer([]byte(strings.Repeat("k", 32)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewFS(filepath.Join(t.TempDir(), "blobs"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	r.svc = service.New(r.ledger, blobs, iss, "qrsign", "http://relay.test")
	r.svc.Now, r.svc.Ops = r.clock, oplog.New(nopWriter{})
	return r
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

func (r *scanRig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *scanRig) advance(d time.Duration) {
	r.mu.Lock()
	r.now = r.now.Add(d)
	r.mu.Unlock()
}

// session registers a document signed by signer and returns its token.
func (r *scanRig) session(id, signer string) string {
	r.t.Helper()
	reg, err := r.svc.Upload(context.Background(), service.Caller{}, api.UploadMeta{ID: id, Title: "Contract " + id, DocType: "contract",
		Owner: "alice", Signers: []model.SignerSpec{{ID: signer, MSPID: "Org1MSP", RoutingOrder: 1}}, Priority: 1, MediaType: "application/pdf"},
		strings.NewReader("%PDF-1.7 "+id), "application/pdf")
	if err != nil {
		r.t.Fatal(err)
	}
	return reg.Signing[0].Token
}

// sign sends a correctly signed sign callback for tok by s.
func (r *scanRig) sign(tok string, s *testpki.Signer) (*api.CallbackResult, error) {
	r.t.Helper()
	c, err := token.Peek(tok)
	if err != nil {
		r.t.Fatal(err)
	}
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: "qrsign", DocumentID: c.DocID,
		DocumentSHA256: c.SHA256, Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(s.Cert.Raw)})
	if err != nil {
		r.t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, s.Key, msg)
	if err != nil {
		r.t.Fatal(err)
	}
	return r.svc.Scan(context.Background(), service.Caller{}, api.CallbackRequest{Token: tok, Action: "sign",
		CertChainPEM: s.CertPEM, Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER})
}

func sameCalls(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// A scan callback's peer calls are counted so they cannot silently grow:
// the first callback of an org reads its trust once, every later one only
// submits its own RecordSignature.
func TestScanCallbackPeerCalls(t *testing.T) {
	r := newScanRig(t)
	toks := []string{r.session("doc-a", "alice"), r.session("doc-b", "bob"), r.session("doc-c", "carol")}
	r.ledger.take()
	for i, tc := range []struct {
		signer string
		want   map[string]int
	}{
		{"alice", map[string]int{"GetOrgTrust": 1, "RecordSignature": 1}},
		{"bob", map[string]int{"RecordSignature": 1}},
		{"carol", map[string]int{"RecordSignature": 1}},
	} {
		if _, err := r.sign(toks[i], r.ca.Signer(tc.signer)); err != nil {
			t.Fatalf("%s: %v", tc.signer, err)
		}
		if got := r.ledger.take(); !sameCalls(got, tc.want) {
			t.Errorf("callback of %s: peer calls %v, want %v", tc.signer, got, tc.want)
		}
	}
}

// The cached trust expires after TrustMaxAge by the service's clock.
func TestScanTrustCacheMaxAge(t *testing.T) {
	r := newScanRig(t)
	r.svc.TrustMaxAge = time.Minute
	toks := []string{r.session("doc-a", "alice"), r.session("doc-b", "bob"), r.session("doc-c", "carol")}
	steps := []struct {
		advance time.Duration
		trust   int
	}{{0, 1}, {59 * time.Second, 0}, {time.Second, 1}}
	for i, st := range steps {
		r.advance(st.advance)
		r.ledger.take()
		if _, err := r.sign(toks[i], r.ca.Signer([]string{"alice", "bob", "carol"}[i])); err != nil {
			t.Fatal(err)
		}
		if got := r.ledger.take()["GetOrgTrust"]; got != st.trust {
			t.Errorf("step %d: %d GetOrgTrust, want %d", i, got, st.trust)
		}
	}
}

// crlEvent is the chaincode event payload of a CRL that org Org1MSP
// published for ca listing serials.
func crlEvent(t *testing.T, ca *testpki.CA, serials ...string) (model.CRLInfo, []byte) {
	t.Helper()
	info := model.CRLInfo{CAFingerprint: certchain.NewAnchor(ca.Cert).Fingerprint, Number: "2", RevokedSerials: serials}
	b, err := json.Marshal([]model.Event{{Type: model.EventCRLPublished, MSPID: "Org1MSP", CRL: &info}})
	if err != nil {
		t.Fatal(err)
	}
	return info, b
}

// A CRL published on the ledger revokes on the next callback once its event
// arrives, before any submission; without the event the cached trust still
// passes the pre-check and the chaincode stays the one that refuses.
func TestScanCRLEventRevokesOnNextCallback(t *testing.T) {
	r := newScanRig(t)
	alice, bob := r.ca.Signer("alice"), r.ca.Signer("bob")
	toks := []string{r.session("doc-a", "alice"), r.session("doc-b", "bob")}
	if _, err := r.sign(toks[0], alice); err != nil {
		t.Fatal(err)
	}
	info, ev := crlEvent(t, r.ca, certchain.SerialHex(bob.Cert))
	r.ledger.Trust["Org1MSP"].CRLs = []model.CRLInfo{info}                           // committed on the ledger
	r.svc.TrustEvents([]byte(`[{"type":"SignatureRecorded","documentId":"doc-a"}]`)) // not an org event: kept
	r.svc.TrustEvents([]byte(`not json`))
	r.ledger.take()
	if _, err := r.sign(toks[1], bob); err != nil {
		t.Fatalf("before the event the cache passes the pre-check (the fake ledger checks no CRL): %v", err)
	}
	if got := r.ledger.take(); !sameCalls(got, map[string]int{"RecordSignature": 1}) {
		t.Fatalf("peer calls %v", got)
	}
	tok := r.session("doc-b2", "bob")
	r.svc.TrustEvents(ev)
	r.ledger.take()
	_, err := r.sign(tok, bob)
	var f *fault.Error
	if !errors.As(err, &f) || f.Code != model.CodeCertRevoked {
		t.Fatalf("after the CRL event: %v, want CERT_REVOKED", err)
	}
	want := "certificate serial " + certchain.SerialHex(bob.Cert) + " (bob) is on CRL number 2 that Org1MSP published"
	if f.Detail != want {
		t.Errorf("message %q, want %q", f.Detail, want)
	}
	if got := r.ledger.take(); !sameCalls(got, map[string]int{"GetOrgTrust": 1}) {
		t.Errorf("peer calls %v: the refusal must reread the trust and submit nothing", got)
	}
}
