package clearsign_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

var at = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func increment(t *testing.T, prev []byte) *api.PDFIncrement {
	t.Helper()
	st := pades.Signature{Field: "qrsign-1", Name: "alice", Reason: "Signed with qrsign", Time: at}
	p, err := pades.Prepare(prev, st)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(prev)
	return &api.PDFIncrement{Revision: 1, PrevSHA256: hex.EncodeToString(sum[:]), Increment: p.Increment,
		Field: st.Field, Name: st.Name, Reason: st.Reason, Time: st.Time, Digest: hex.EncodeToString(p.Digest[:])}
}

func TestCheckPDFRecomputesTheDigestAndRefusesAnythingElse(t *testing.T) {
	orig := padestest.SimplePDF()
	inc := increment(t, orig)
	c, err := clearsign.CheckPDF(orig, orig, inc)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Payload(); got.Digest != inc.Digest || got.Revision != 1 || got.PrevSHA256 != inc.PrevSHA256 {
		t.Fatalf("payload %+v for %+v", got, inc)
	}

	stated := *inc
	stated.Name = "mallory"
	if _, err := clearsign.CheckPDF(orig, orig, &stated); !errors.Is(err, clearsign.ErrSessionMismatch) {
		t.Errorf("a statement the bytes do not make: %v", err)
	}
	extra := *inc
	extra.Increment = append(append([]byte(nil), inc.Increment...), "% more\n"...)
	if _, err := clearsign.CheckPDF(orig, orig, &extra); err == nil {
		t.Error("an increment with bytes after the signature was accepted")
	}
	other := append(append([]byte(nil), orig...), "% an edit\n"...)
	sum := sha256.Sum256(other)
	onOther := increment(t, other)
	onOther.PrevSHA256 = hex.EncodeToString(sum[:])
	if _, err := clearsign.CheckPDF(orig, other, onOther); !errors.Is(err, clearsign.ErrSessionMismatch) {
		t.Errorf("a previous revision that is not the original plus signatures: %v", err)
	}
	if _, err := clearsign.CheckPDF(orig, other, inc); !errors.Is(err, clearsign.ErrHashMismatch) {
		t.Errorf("a previous revision whose hash is not the stated one: %v", err)
	}
}

// The phone page signs with WebCrypto (raw r‖s): its DER form must be what
// the relay verifies over the attributes.
func TestDERSignatureOfARawSignatureVerifies(t *testing.T) {
	ca := testpki.NewCA("Org1 CA", at.Add(-time.Hour), at.Add(time.Hour))
	s := ca.Signer("alice")
	orig := padestest.SimplePDF()
	c, err := clearsign.CheckPDF(orig, orig, increment(t, orig))
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := c.Attributes(s.Cert)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sigalg.Sign(model.AlgECDSAP256Raw, s.Key, attrs)
	if err != nil {
		t.Fatal(err)
	}
	der, err := clearsign.DERSignature(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := sigalg.Verify(model.AlgECDSAP256DER, s.Key.Public(), attrs, der); err != nil {
		t.Fatal(err)
	}
	if _, err := clearsign.DERSignature(raw[:63]); err == nil {
		t.Error("a 63-byte signature was re-encoded")
	}
	junk := make([]byte, 64)
	rand.Read(junk)
	if der, _ := clearsign.DERSignature(junk); sigalg.Verify(model.AlgECDSAP256DER, s.Key.Public(), attrs, der) == nil {
		t.Error("random bytes verify")
	}
}

func TestP7SAttributesHoldTheSecond(t *testing.T) {
	ca := testpki.NewCA("Org1 CA", at.Add(-time.Hour), at.Add(time.Hour))
	s := ca.Signer("alice")
	a1, t1, err := clearsign.P7SAttributes([]byte("doc"), s.Cert, at.Add(700*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	a2, t2, _ := clearsign.P7SAttributes([]byte("doc"), s.Cert, at)
	if !t1.Equal(at) || !t2.Equal(at) || string(a1) != string(a2) {
		t.Fatalf("times %s %s; attributes equal %v", t1, t2, string(a1) == string(a2))
	}
}
