//go:build integration

package e2e

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// A signer revoked by the org's complete CRL (Fabric CA's gencrl) cannot
// sign again after the org's CA key signs a CRL the ledger cannot use as the
// complete one (a delta CRL, a CRL limited to CA certificates): the real
// chaincode refuses it with BAD_CRL and the signer is still CERT_REVOKED.
func TestScopedCRLCannotUnrevokeOnTheLedger(t *testing.T) {
	e := setup(t)
	carol := e.enroll(t, "carol")
	doc := e.upload(t, "After a scoped CRL", content("crlscope"), []*signer{carol}, []int{1})
	_, qr := doc.link(t, carol)
	url := e.scanQR(t, qr)
	e.revoke(t, carol.id)

	ca, contract := e.signerCA(t), e.adminContract(t)
	key := caKey(t, e.info.StateDir, ca)
	onlyCA, _ := asn1.Marshal(struct {
		OnlyCA bool `asn1:"optional,tag:2"`
	}{true})
	for i, tc := range []struct {
		ext  pkix.Extension
		want string
	}{
		{pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: []byte{2, 1, 1}},
			"BAD_CRL: CRL is a delta CRL (deltaCRLIndicator); only a CA's complete CRL can be published"},
		{pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: onlyCA},
			"BAD_CRL: CRL's issuingDistributionPoint limits its scope (onlyContainsCACerts); only a CA's complete CRL can be published"},
	} {
		// Newer than the published CRL by time, numbered, listing nobody.
		this := time.Now().Add(time.Duration(i+1) * time.Minute).UTC().Truncate(time.Second)
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(int64(i + 1)), ThisUpdate: this,
			NextUpdate: this.Add(24 * time.Hour), ExtraExtensions: []pkix.Extension{tc.ext}}, ca, key)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := json.Marshal(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(ca.Raw),
			CRLPEM: string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))})
		_, err = contract.SubmitTransaction("PublishCRL", string(req))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("PublishCRL: %v\nwant %s", err, tc.want)
		}
	}
	res, cb := carol.scan(t, "scan", url)
	if cb != nil || res.code != 4 || !strings.Contains(res.stderr, "CERT_REVOKED") {
		t.Fatalf("revoked carol after the refused CRLs: exit %d %+v, want 4 with CERT_REVOKED\n%s", res.code, cb, res.stderr)
	}
	if got := eventTypes(e.provenance(t, doc.Document.ID)); !slices.Equal(got, []string{"DocumentRegistered"}) {
		t.Fatalf("ledger changed: %v", got)
	}
}

// caKey finds the Fabric CA's signing key in the network's state: the
// private key whose public half is the CA certificate's.
func caKey(t *testing.T, stateDir string, ca *x509.Certificate) crypto.Signer {
	t.Helper()
	var found crypto.Signer
	filepath.WalkDir(stateDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != nil || !strings.HasSuffix(p, "_sk") {
			return nil
		}
		b, _ := os.ReadFile(p)
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			k, err = x509.ParseECPrivateKey(blk.Bytes)
		}
		if s, ok := k.(crypto.Signer); err == nil && ok {
			if pub, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && pub.Equal(ca.PublicKey) {
				found = s
			}
		}
		return nil
	})
	if found == nil {
		t.Fatalf("no key under %s signs for the CA %q", stateDir, ca.Subject.CommonName)
	}
	return found
}
