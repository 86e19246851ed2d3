package pades

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/cms/cmstest"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/tsa"
)

// bigPDF is simplePDF with a content stream padded to about size bytes.
func bigPDF(size int) []byte {
	return padestest.TextPDF(padestest.PageContent + "\n%" + strings.Repeat("x", size))
}

// BenchmarkSignedRevision measures one signed revision as the wiring will
// make it: Prepare, the client's CheckIncrement, ECDSA over the attributes,
// a signature time-stamp from a TSA over loopback HTTP, Embed. It reports
// the size the revision adds.
func BenchmarkSignedRevision(b *testing.B) {
	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	org := cmstest.NewCA(b, "Org1 CA", now)
	alice, tsaID := org.Signer(b, "alice"), org.TSA(b, "Org1 TSA")
	auth, err := tsa.New([]*x509.Certificate{tsaID.Cert, org.Cert}, tsaID.Key, testPolicy, func() time.Time { return now })
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(auth)
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(org.Cert)
	client := &tsa.Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: roots}}
	for _, size := range []int{10 << 10, 10 << 20} {
		prev := bigPDF(size)
		b.Run(fmt.Sprintf("pdf=%dKiB", size>>10), func(b *testing.B) {
			var next, cmsDER []byte
			for b.Loop() {
				p, err := Prepare(prev, Signature{Field: "Signature1", Name: "Alice", Time: now})
				if err != nil {
					b.Fatal(err)
				}
				c, err := CheckIncrement(prev, append(prev[:len(prev):len(prev)], p.Increment...))
				if err != nil {
					b.Fatal(err)
				}
				der, err := cms.Sign(Attributes(c.Digest, alice.Cert), alice.Key, []*x509.Certificate{alice.Cert, org.Cert}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if der, _, err = client.StampSignature(context.Background(), der); err != nil {
					b.Fatal(err)
				}
				cmsDER = der
				if next, err = Embed(p, der); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(next)-len(prev)), "bytes-added")
			b.ReportMetric(float64(len(cmsDER)), "cms-bytes")
		})
		// The yardstick: one SHA-256 pass over the previous revision.
		b.Run(fmt.Sprintf("sha256-only/pdf=%dKiB", size>>10), func(b *testing.B) {
			for b.Loop() {
				sha256.Sum256(prev)
			}
		})
		b.Run(fmt.Sprintf("prepare-only/pdf=%dKiB", size>>10), func(b *testing.B) {
			for b.Loop() {
				if _, err := Prepare(prev, Signature{Field: "Signature1", Name: "Alice", Time: now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
