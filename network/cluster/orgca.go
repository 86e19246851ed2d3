package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/proc"
)

// SignerCA is the CA an org's Fabric CA signs with, which signers' (and
// Fabric CA registrar's) certificates chain to: a self-signed CA (newCA)
// under orgs/<org>/signer-ca/<gen>, generation 1 made with the org's keys
// (OrgSignerCA), RotateCA making 2, 3 …, each with a Fabric CA home of its
// own. Not the MSP CA: cryptogen gives that one extended key usages
// (clientAuth, serverAuth) for which PKIX verifiers such as NSS refuse it as
// the root of a document signer. Peers, admins and the relay keep MSP CA
// identities.
type SignerCA struct {
	Gen       int
	Cert, Key string // PEM certificate, PKCS#8 key
	// Trust holds the certificates of every generation, the current first,
	// then the MSP CA's: what a verifier of the org's signatures, old and
	// new, and of its endorsements trusts (network.json's caCertFile).
	Trust     string
	Home      string // Fabric CA server home (its database)
	Registrar string // the registrar's enrollment from this CA
}

func (n *Net) signerCADir(g *config.Org) string { return filepath.Join(n.OrgHome(g.Name), "signer-ca") }

// signerCA is g's current signer CA (the generation its signer-ca/current
// names, 1 until a rotation).
func (n *Net) signerCA(g *config.Org) SignerCA {
	gen := 1
	if b, err := os.ReadFile(filepath.Join(n.signerCADir(g), "current")); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v > 1 {
			gen = v
		}
	}
	return n.signerCAGen(g, gen)
}

// signerCAGen is generation gen of g's signer CA.
func (n *Net) signerCAGen(g *config.Org, gen int) SignerCA {
	dir := filepath.Join(n.signerCADir(g), strconv.Itoa(gen))
	return SignerCA{Gen: gen, Cert: filepath.Join(dir, "ca-cert.pem"), Key: filepath.Join(dir, "priv_sk"),
		Trust: filepath.Join(dir, "trust.pem"), Home: filepath.Join(dir, "fabric-ca"), Registrar: filepath.Join(dir, "registrar")}
}

// OrgSignerCA makes g's first signer CA (once, with its other keys at org
// init), published in exchange/<org>/signer-cas/1.pem. Its trust bundle ends
// with the MSP CA: a verifier of the org's evidence checks its peers'
// endorsements too (verify-evidence --ca).
func (n *Net) OrgSignerCA(g *config.Org) error {
	ca := n.signerCA(g)
	if ca.Gen != 1 || exists(ca.Trust) {
		return nil
	}
	msp, err := os.ReadFile(n.orgCACert(g))
	if err != nil {
		return err
	}
	return n.newSignerCA(g, ca, msp)
}

// newSignerCA makes the signer CA ca of g: its key and certificate, its
// trust bundle (ca's certificate, then the earlier generations' in trust),
// signer-ca/current naming it and its certificate published.
func (n *Net) newSignerCA(g *config.Org, ca SignerCA, trust []byte) error {
	if err := newCA(filepath.Dir(ca.Cert), fmt.Sprintf("signer-ca%d.%s", ca.Gen, g.Domain), g.Domain); err != nil {
		return err
	}
	b, err := os.ReadFile(ca.Cert)
	if err != nil {
		return err
	}
	if err := os.WriteFile(ca.Trust, append(b, trust...), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.signerCADir(g), "current"), []byte(strconv.Itoa(ca.Gen)+"\n"), 0o644); err != nil {
		return err
	}
	return copyFile(ca.Cert, filepath.Join(n.ExchangeDir(g.Name), "signer-cas", strconv.Itoa(ca.Gen)+".pem"))
}

// Rotation is what RotateCA did.
type Rotation struct {
	Org      string
	Old, New string // fingerprints of the retired and the new signer CA
	Gen      int
	Took     time.Duration
}

// RotateCA is an org's step on its own host to replace the CA its signers'
// certificates come from: a new CA key and certificate (kept in its own
// directory; the certificate published in exchange/<org>/signer-cas/), its
// Fabric CA restarted to issue from the new CA (a new database: the retired
// CA issues nothing more), the registrar enrolled from it, and the new CA
// registered on the ledger as the org's signer CA (RegisterSignerCA, as the
// org admin). The retired CA stays registered: the signatures made under it
// keep verifying, and certificates it issued are revoked through its CRL as
// before. The channel's MSP is unchanged (its peers, admins and relay keep
// their MSP CA identities).
func (n *Net) RotateCA(profile, configFile string, portOffset int, name string) (*Rotation, error) {
	start := time.Now()
	g, err := n.open(name)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(n.members(), g) {
		return nil, fmt.Errorf("%s is not a member of %s", g.Name, n.P.Channel)
	}
	old := n.signerCA(g)
	oldFP, err := certFingerprint(old.Cert)
	if err != nil {
		return nil, err
	}
	done := n.phase(fmt.Sprintf("%s: new signer CA (generation %d)", g.Name, old.Gen+1))
	trust, err := os.ReadFile(old.Trust)
	if err != nil {
		return nil, err
	}
	ca := n.signerCAGen(g, old.Gen+1)
	if err := n.newSignerCA(g, ca, trust); err != nil {
		return nil, err
	}
	done()

	done = n.phase(g.Name + ": its Fabric CA restarted on the new CA; registrar enrolled from it")
	if s, err := proc.Load(n.RunDir(), caName(g)); err == nil {
		if err := s.Stop(10 * time.Second); err != nil {
			return nil, err
		}
	}
	caSpec, err := n.caSpec(g)
	if err != nil {
		return nil, err
	}
	if err := n.StartSpecs([]*proc.Spec{caSpec}); err != nil {
		return nil, err
	}
	in, err := n.SaveInfo(profile, configFile, portOffset)
	if err != nil {
		return nil, err
	}
	o, err := in.Org(g.Name)
	if err != nil {
		return nil, err
	}
	if err := n.EnrollOrg(g, o); err != nil {
		return nil, err
	}
	done()

	done = n.phase(g.Name + ": the new CA registered as its signer CA on the ledger")
	if err := RegisterSignerCA(in, o); err != nil {
		return nil, err
	}
	done()
	newFP, err := certFingerprint(ca.Cert)
	return &Rotation{Org: g.Name, Old: oldFP, New: newFP, Gen: ca.Gen, Took: time.Since(start)}, err
}

// newCA writes a self-signed ECDSA P-256 CA (ca-cert.pem, priv_sk) into dir,
// unless it is there already.
func newCA(dir, cn, org string) error {
	if exists(filepath.Join(dir, "ca-cert.pem")) {
		return nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{org}},
		NotBefore:    now.Add(-5 * time.Minute), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "priv_sk"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ca-cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func certFingerprint(file string) (string, error) {
	c, err := readCert(file)
	if err != nil {
		return "", err
	}
	return payload.Fingerprint(c.Raw), nil
}
