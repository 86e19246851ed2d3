package clearsign_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

// signedBy is orig plus one signature increment stated as name, whose
// /Contents is der(prepared) (a real CMS, or anything a relay puts there).
func signedBy(t *testing.T, orig []byte, name string, der func(*pades.Prepared) []byte) []byte {
	t.Helper()
	p, err := pades.Prepare(orig, pades.Signature{Field: "qrsign-1", Name: name, Reason: "Signed with qrsign", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	next, err := pades.Embed(p, der(p))
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// over is a prepared increment over prev, stated by alice as revision n at when.
func over(t *testing.T, prev []byte, n int, when time.Time, name string) *api.PDFIncrement {
	t.Helper()
	st := pades.Signature{Field: "qrsign-x", Name: name, Reason: "Signed with qrsign", Time: when}
	p, err := pades.Prepare(prev, st)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(prev)
	return &api.PDFIncrement{Revision: n, PrevSHA256: hex.EncodeToString(sum[:]), Increment: p.Increment,
		Field: st.Field, Name: st.Name, Reason: st.Reason, Time: st.Time}
}

// An earlier signature must be one: a CMS that verifies over its own
// increment with the certificate it carries; a placeholder posing as bob's
// signature, or bob's signature over other bytes, is refused. The relay's
// revision number must count the signatures the previous revision holds.
func TestEarlierSignaturesMustVerify(t *testing.T) {
	orig := padestest.SimplePDF()
	ca := testpki.NewCA("Org2 CA", at.Add(-time.Hour), at.Add(time.Hour))
	bob := ca.Signer("bob")
	real := func(p *pades.Prepared) []byte {
		der, err := cms.Sign(pades.Attributes(p.Digest, bob.Cert), bob.Key, []*x509.Certificate{bob.Cert, ca.Cert}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	prev := signedBy(t, orig, "bob", real)
	c, err := clearsign.CheckPDF(orig, prev, over(t, prev, 2, at, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Earlier) != 1 || c.Earlier[0].Name != "bob" || c.Earlier[0].Subject != bob.Cert.Subject.String() || len(c.Chain) != 2 {
		t.Fatalf("earlier %+v, chain %d", c.Earlier, len(c.Chain))
	}
	if _, err := clearsign.CheckPDF(orig, prev, over(t, prev, 1, at, "alice")); !errors.Is(err, clearsign.ErrSessionMismatch) {
		t.Errorf("revision 1 over a revision holding a signature: %v", err)
	}
	for name, der := range map[string]func(*pades.Prepared) []byte{
		"ASN.1 NULL": func(*pades.Prepared) []byte { return []byte{0x05, 0x00} },
		"bob's CMS over other bytes": func(p *pades.Prepared) []byte {
			q := *p
			q.Digest[0] ^= 1
			return real(&q)
		},
	} {
		forged := signedBy(t, orig, "bob", der)
		if _, err := clearsign.CheckPDF(orig, forged, over(t, forged, 2, at, "alice")); !errors.Is(err, clearsign.ErrSessionMismatch) {
			t.Errorf("%s as an earlier signature: %v", name, err)
		}
	}
}

// After REVISION_STALE only a restatement of the approved signature goes
// out without asking: same name and reason, over the same revision or one
// extending it, dated within the hour after.
func TestRestated(t *testing.T) {
	orig := padestest.SimplePDF()
	ca := testpki.NewCA("Org2 CA", at.Add(-time.Hour), at.Add(time.Hour))
	bob := ca.Signer("bob")
	landed := signedBy(t, orig, "bob", func(p *pades.Prepared) []byte {
		der, err := cms.Sign(pades.Attributes(p.Digest, bob.Cert), bob.Key, []*x509.Certificate{bob.Cert, ca.Cert}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return der
	})
	check := func(prev []byte, inc *api.PDFIncrement) *clearsign.CheckedPDF {
		c, err := clearsign.CheckPDF(orig, prev, inc)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	approved := check(orig, over(t, orig, 1, at, "alice"))
	for _, tc := range []struct {
		name string
		next *clearsign.CheckedPDF
		ok   bool
	}{
		{"over the signature that landed", check(landed, over(t, landed, 2, at.Add(time.Minute), "alice")), true},
		{"the same revision, dated later", check(orig, over(t, orig, 1, at.Add(time.Minute), "alice")), true},
		{"another name", check(orig, over(t, orig, 1, at, "ACME director")), false},
		{"dated earlier", check(orig, over(t, orig, 1, at.Add(-time.Second), "alice")), false},
		{"dated over an hour later", check(landed, over(t, landed, 2, at.Add(time.Hour+time.Second), "alice")), false},
	} {
		if err := approved.Restated(tc.next); (err == nil) != tc.ok || (err != nil && !errors.Is(err, clearsign.ErrSessionMismatch)) {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	// Approved over bob's revision, a restatement over the original is not one.
	if err := check(landed, over(t, landed, 2, at, "alice")).Restated(approved); !errors.Is(err, clearsign.ErrSessionMismatch) {
		t.Errorf("a restatement over an older revision: %v", err)
	}
}
