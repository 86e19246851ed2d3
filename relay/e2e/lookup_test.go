//go:build integration

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/service"
)

// public fetches a relay path without any key, as the /verify page does.
func (e *env) public(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := e.http.Get(e.org.Relay.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// keyed fetches a relay path with the org's API key (documents:write implies read).
func (e *env) keyed(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.org.Relay.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.org.Relay.APIKey)
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// lookup is the full view (with the org's key); publicLookup also returns the raw body.
func (e *env) lookup(t *testing.T, query string) *service.Lookup {
	t.Helper()
	l, _ := e.decodeLookup(t, query, e.keyed)
	if l.View != service.ViewFull {
		t.Fatalf("with a key: view %q", l.View)
	}
	return l
}

func (e *env) publicLookup(t *testing.T, query string) (*service.Lookup, string) {
	t.Helper()
	l, b := e.decodeLookup(t, query, e.public)
	if l.View != service.ViewPublic {
		t.Fatalf("without a key: view %q", l.View)
	}
	return l, b
}

func (e *env) decodeLookup(t *testing.T, query string, get func(*testing.T, string) (int, []byte)) (*service.Lookup, string) {
	t.Helper()
	status, b := get(t, "/v1/verify?"+query)
	if status != http.StatusOK {
		t.Fatalf("GET /v1/verify?%s: %d %s", query, status, b)
	}
	var l service.Lookup
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("lookup answer %s: %v", b, err)
	}
	return &l, string(b)
}

func txEvents(m service.LookupMatch) []string {
	var out []string
	for _, e := range m.TxEvents {
		out = append(out, fmt.Sprintf("%s:%s", e.Type, e.Signer))
	}
	return out
}

// upload → qrsign scan (alice) → public lookup by hash, by the registration
// tx and by the signature tx, each with blocks and VerifyRecord; bob's
// signature closes it; the same bytes under another id are found too.
func TestPublicLookupByHashAndTxID(t *testing.T) {
	e := setup(t)
	alice, bob := e.enroll(t, "alice"), e.enroll(t, "bob")
	body := content("lookup")
	doc := e.upload(t, "Lookup contract", body, []*signer{alice, bob}, []int{1, 2})
	id, sha := doc.Document.ID, doc.Document.SHA256

	_, qrURL := doc.link(t, alice)
	res, cb := alice.scan(t, "scan", e.scanQR(t, qrURL))
	if cb == nil {
		t.Fatalf("qrsign scan: exit %d\n%s", res.code, res.stderr)
	}

	check := func(t *testing.T, l *service.Lookup, by, value string, wantEvents []string) service.LookupMatch {
		t.Helper()
		if l.By != by || l.Value != value || l.Channel != e.info.Channel || len(l.Matches) != 1 || l.More {
			t.Fatalf("lookup %+v", l)
		}
		m := l.Matches[0]
		if m.DocumentID != id || m.Title != "Lookup contract" || m.SHA256 != sha ||
			m.Registration.TxID != doc.TxID || m.Registration.BlockNumber != doc.BlockNumber {
			t.Fatalf("match %+v (upload: tx %s block %d)", m, doc.TxID, doc.BlockNumber)
		}
		a := m.Signers[0]
		if a.ID != alice.id || a.MSPID != alice.msp || a.Status != model.SignerSigned || a.TxID != cb.TxID ||
			a.BlockNumber == nil || *a.BlockNumber != cb.BlockNumber {
			t.Fatalf("alice %+v (callback: tx %s block %d)", a, cb.TxID, cb.BlockNumber)
		}
		if !m.Verified || !m.Verification.OK || len(m.Verification.Checks) < 3 {
			t.Fatalf("VerifyRecord %+v", m.Verification)
		}
		if got := txEvents(m); !slices.Equal(got, wantEvents) {
			t.Fatalf("tx events %v, want %v", got, wantEvents)
		}
		return m
	}
	m := check(t, e.lookup(t, "sha256="+sha), "sha256", sha, nil)
	if m.Status != model.StatusPending || m.Signers[1].Status != model.SignerPending || m.Signers[1].BlockNumber != nil {
		t.Fatalf("after alice: %+v", m)
	}
	check(t, e.lookup(t, "txId="+doc.TxID), "txId", doc.TxID, []string{"DocumentRegistered:"})
	check(t, e.lookup(t, "txId="+cb.TxID), "txId", cb.TxID, []string{"SignatureRecorded:" + alice.msp + "/" + alice.id})
	check(t, e.lookup(t, "doc="+id), "doc", id, nil)
	t.Logf("lookup by hash: %d checks by VerifyRecord, all ok: %v", len(m.Verification.Checks), m.Verification.OK)

	// Without a key: positions, counts and the verdict, each signer's
	// organisation (the relay's default publicSigners: org), nobody's name.
	for _, q := range []string{"sha256=" + sha, "txId=" + doc.TxID, "txId=" + cb.TxID, "doc=" + id} {
		l, body := e.publicLookup(t, q)
		for _, secret := range []string{alice.id, bob.id, "Lookup contract", `"title"`, `"tags"`} {
			if strings.Contains(body, secret) {
				t.Errorf("public ?%s holds %q: %s", q, secret, body)
			}
		}
		if !strings.Contains(body, `"mspId":"`+alice.msp+`"`) {
			t.Errorf("public ?%s lacks the signers' organisation: %s", q, body)
		}
		if showsID := strings.Contains(body, id); showsID != strings.HasPrefix(q, "doc=") {
			t.Errorf("public ?%s shows the document id: %v", q, showsID)
		}
		pm := l.Matches[0]
		if pm.SHA256 != sha || pm.Registration.TxID != doc.TxID || pm.Registration.BlockNumber != doc.BlockNumber || !pm.Verified ||
			pm.Signatures != (service.SignatureCounts{Required: 2, Signed: 1, Pending: 1}) || pm.Signers[0].TxID != cb.TxID ||
			pm.Signers[0].BlockNumber == nil || *pm.Signers[0].BlockNumber != cb.BlockNumber || len(pm.Verification.Checks) != len(m.Verification.Checks) {
			t.Fatalf("public ?%s: %+v", q, pm)
		}
	}
	// A session token shows its own document in full, a wrong key is refused.
	alicesToken := doc.Signing[0].Token
	if l, _ := e.decodeLookup(t, "sha256="+sha+"&token="+url.QueryEscape(alicesToken), e.public); l.View != service.ViewFull || l.Matches[0].Signers[0].ID != alice.id {
		t.Fatalf("with alice's session token: %+v", l)
	}

	_, qrURL = doc.link(t, bob)
	res, cb2 := bob.scan(t, "scan", e.scanQR(t, qrURL))
	if cb2 == nil {
		t.Fatalf("qrsign scan (bob): exit %d\n%s", res.code, res.stderr)
	}
	m = check(t, e.lookup(t, "txId="+cb2.TxID), "txId", cb2.TxID,
		[]string{"SignatureRecorded:" + bob.msp + "/" + bob.id, "DocumentCompleted:"})
	if m.Status != model.StatusCompleted || m.Closed == nil || m.Closed.TxID != cb2.TxID || m.Closed.BlockNumber != cb2.BlockNumber ||
		m.Signers[1].TxID != cb2.TxID || *m.Signers[1].BlockNumber != cb2.BlockNumber {
		t.Fatalf("after bob: %+v", m)
	}

	// The same bytes registered again under another id: a hash lookup lists both, oldest first.
	again := e.upload(t, "Lookup contract, copy", body, []*signer{alice}, []int{1})
	l := e.lookup(t, "sha256="+strings.ToUpper(sha))
	if len(l.Matches) != 2 || l.Matches[0].DocumentID != id || l.Matches[1].DocumentID != again.Document.ID ||
		!l.Matches[1].Verified || l.Matches[1].Status != model.StatusPending {
		t.Fatalf("two registrations of the bytes: %+v", l.Matches)
	}

	// Nothing matching and malformed input: stable codes.
	sum := sha256.Sum256([]byte(unique("never-registered"))) // fixed patterns are used by other tests
	unknown := hex.EncodeToString(sum[:])
	for _, c := range []struct {
		query  string
		status int
		code   string
	}{
		{"sha256=" + unknown, 404, "DOCUMENT_NOT_FOUND"},
		{"txId=" + unknown, 404, "DOCUMENT_NOT_FOUND"},
		{"doc=no-such-document-" + unknown[:8], 404, "DOCUMENT_NOT_FOUND"},
		{"sha256=xyz", 400, "INVALID_FIELD"},
		{"txId=" + unknown[:63], 400, "INVALID_FIELD"},
		{"doc=a%20b", 400, "INVALID_FIELD"},
		{"", 400, "INVALID_FIELD"},
	} {
		status, b := e.public(t, "/v1/verify?"+c.query)
		if status != c.status || problemCode(b) != c.code {
			t.Errorf("?%s: %d %s, want %d %s", c.query, status, b, c.status, c.code)
		}
	}

	// Latency of a public lookup on the real network (relay → peer evaluates:
	// ListByHash/ListByTx, VerifyRecord, blocks from the relay's cache or qscc).
	// A lookup costs one rate-limit token per ledger call (about 6 here): pace
	// the samples under the relay's default 50/s so none is refused.
	time.Sleep(2 * time.Second) // the bucket refills after the lookups above
	for _, q := range []string{"sha256=" + sha, "txId=" + cb2.TxID, "doc=" + id} {
		var took []time.Duration
		for range 20 {
			time.Sleep(200 * time.Millisecond)
			start := time.Now()
			e.lookup(t, q)
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		t.Logf("lookup %s: p50 %s, p90 %s, max %s over %d", q[:strings.IndexByte(q, '=')], took[len(took)/2].Round(time.Microsecond),
			took[len(took)*9/10].Round(time.Microsecond), took[len(took)-1].Round(time.Microsecond), len(took))
	}
}

// One batch scan is one RecordBatchSignature transaction: looking up its tx id
// lists every document it signed (by id), each verified by VerifyRecord.
func TestPublicLookupOfABatchSignature(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	b := e.uploadBatch(t, batchDir(t, "lookup-batch", 3, 0), alice)
	qrURL := "/v1/batches/" + b.ID + "/qr.png?signer=" + url.QueryEscape(alice.msp+"/"+alice.id)
	res, cb := alice.scan(t, "scan", e.scanQR(t, qrURL))
	if cb == nil {
		t.Fatalf("batch scan: exit %d\n%s", res.code, res.stderr)
	}
	l := e.lookup(t, "txId="+cb.TxID)
	var ids []string
	for _, m := range l.Matches {
		ids = append(ids, m.DocumentID)
		if !m.Verified || m.Status != model.StatusCompleted || m.Closed == nil || m.Closed.TxID != cb.TxID ||
			m.Closed.BlockNumber != cb.BlockNumber || !slices.Equal(txEvents(m), []string{"SignatureRecorded:" + alice.msp + "/" + alice.id, "DocumentCompleted:"}) {
			t.Fatalf("%s: %+v", m.DocumentID, m)
		}
	}
	var want []string
	for _, d := range b.Documents {
		want = append(want, d.ID)
	}
	slices.Sort(want)
	if !slices.Equal(ids, want) || l.More {
		t.Fatalf("batch tx lists %v (more %v), want %v", ids, l.More, want)
	}
	// Each document's own registration is its own transaction.
	d := b.Documents[1]
	m := e.lookup(t, "sha256="+d.SHA256).Matches
	if len(m) != 1 || m[0].DocumentID != d.ID {
		t.Fatalf("by hash: %+v", m)
	}
	if r := e.lookup(t, "txId="+m[0].Registration.TxID); len(r.Matches) != 1 || r.Matches[0].DocumentID != d.ID {
		t.Fatalf("by its registration tx: %+v", r.Matches)
	}
}
