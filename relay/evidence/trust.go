package evidence

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
)

// Trust is everything Verify trusts: CA roots chosen by the auditor, by MSP
// id. Nothing in a bundle adds to it.
type Trust struct {
	// Orgs are the member orgs' roots: signers, endorsing peers and
	// submitting clients must chain to the roots of the MSP they claim.
	Orgs map[string][]*x509.Certificate
	// Orderers are the ordering orgs' roots: block signatures must chain to them.
	Orderers map[string][]*x509.Certificate
	// MinEndorsingOrgs is how many distinct member orgs must have endorsed
	// each transaction: the channel's endorsement policy, which the auditor
	// states. It is never derived from the roots given (an auditor who gave
	// only Org1's root would otherwise accept Org1 alone); 0 fails every
	// transaction.
	MinEndorsingOrgs int
	// AcceptUnwitnessed accepts a bundle without a freshness witness, taking
	// the committing peer's (unsigned) word that its last transaction is
	// valid; the report says so. Without it such a bundle is not verified.
	AcceptUnwitnessed bool
	// Now is the verifier's clock: a freshness witness dated after Now +
	// WitnessSkew is refused. Zero means time.Now(); set it to check an old
	// bundle reproducibly (`verify-evidence --now`).
	Now time.Time
}

func (t Trust) now() time.Time {
	if t.Now.IsZero() {
		return time.Now()
	}
	return t.Now
}

// ErrUntrusted wraps failures of a certificate to chain to the given roots.
var ErrUntrusted = errors.New("untrusted")

// chainTo verifies cert (with intermediates) to the roots given for msp at
// time at, and returns the root it ends at.
func chainTo(roots map[string][]*x509.Certificate, msp string, cert *x509.Certificate, inter []*x509.Certificate, at time.Time) (*x509.Certificate, error) {
	mine := roots[msp]
	if len(mine) == 0 {
		return nil, fmt.Errorf("%w: no root was given for %s (given: %s)", ErrUntrusted, msp, mspList(roots))
	}
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range mine {
		rp.AddCert(c)
	}
	for _, c := range inter {
		ip.AddCert(c)
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: rp, Intermediates: ip, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, fmt.Errorf("%w: %q does not chain to a root of %s at %s: %v", ErrUntrusted, cert.Subject.CommonName, msp,
			at.UTC().Format(time.RFC3339), err)
	}
	return chains[0][len(chains[0])-1], nil
}

func mspList(m map[string][]*x509.Certificate) string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// fabricIdentity checks a serialized identity against roots at time at and
// returns its MSP id and certificate.
func fabricIdentity(serialized []byte, roots map[string][]*x509.Certificate, at time.Time) (string, *x509.Certificate, error) {
	id, err := identity(serialized)
	if err != nil {
		return "", nil, err
	}
	certs, err := certchain.Parse(string(id.GetIdBytes()))
	if err != nil {
		return id.GetMspid(), nil, fmt.Errorf("identity of %s: %v", id.GetMspid(), err)
	}
	if _, err := chainTo(roots, id.GetMspid(), certs[0], certs[1:], at); err != nil {
		return id.GetMspid(), nil, err
	}
	return id.GetMspid(), certs[0], nil
}

// fabricVerify checks a Fabric signature: ECDSA (ASN.1 DER) over SHA-256 of msg.
func fabricVerify(cert *x509.Certificate, msg, sig []byte) error {
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%q has a %T key; Fabric identities sign with ECDSA", cert.Subject.CommonName, cert.PublicKey)
	}
	sum := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(pub, sum[:], sig) {
		return fmt.Errorf("signature by %q does not verify", cert.Subject.CommonName)
	}
	return nil
}

// canonicalPEM parses text as exactly one PEM block of typ and requires it
// to be written the way pem.EncodeToMemory writes it, so that no byte of it
// can change without changing what it holds.
func canonicalPEM(text, typ string) ([]byte, error) {
	b, rest := pem.Decode([]byte(text))
	if b == nil || b.Type != typ || len(rest) != 0 {
		return nil, fmt.Errorf("not exactly one PEM %s block", typ)
	}
	if string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b.Bytes})) != text {
		return nil, fmt.Errorf("PEM %s block is not in canonical form", typ)
	}
	return b.Bytes, nil
}

// hasOU tells whether a certificate's subject has the organizational unit
// (Fabric NodeOUs: peer, orderer, client, admin; compared exactly, as Fabric does).
func hasOU(c *x509.Certificate, ou string) bool {
	return slices.Contains(c.Subject.OrganizationalUnit, ou)
}
