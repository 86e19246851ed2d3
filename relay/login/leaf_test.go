package login

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/contract"
	"github.com/qrsign/qrsign/chaincode/model"
)

// The relay's checkLeaf is a copy of the chaincode's: both must refuse and
// accept the same certificates with the same code.
func TestCheckLeafMatchesChaincode(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mk := func(key *ecdsa.PrivateKey, mod func(*x509.Certificate)) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		if mod != nil {
			mod(tmpl)
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	for name, c := range map[string]*x509.Certificate{
		"plain P-256":      mk(p256, nil),
		"P-384":            mk(p384, nil),
		"CA":               mk(p256, func(c *x509.Certificate) { c.IsCA, c.BasicConstraintsValid = true, true }),
		"no digitalSig":    mk(p256, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment }),
		"serverAuth only":  mk(p256, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }),
		"clientAuth":       mk(p256, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }),
		"document signing": mk(p256, func(c *x509.Certificate) { c.UnknownExtKeyUsage = append(c.UnknownExtKeyUsage, oidDocumentSigning) }),
	} {
		ours, theirs := checkLeaf(c), contract.CheckLeaf(c)
		oc, _ := model.CodeOf(ours)
		tc, _ := model.CodeOf(theirs)
		if (ours == nil) != (theirs == nil) || oc != tc || (ours != nil && ours.Error() != theirs.Error()) {
			t.Errorf("%s: relay %v, chaincode %v", name, ours, theirs)
		}
	}
}
