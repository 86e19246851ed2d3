package cluster

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
)

// The attribute (in the enrollment certificate, as Fabric CA writes it) by
// which the chaincode recognises a relay: only relays and org admins may write.
const relayRoleAttr, relayRole = "qrsign.role", "relay"

// fabricCAAttrsOID is the extension in which Fabric CA puts ecert attributes.
var fabricCAAttrsOID = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// hasRelayRole reports whether the certificate in file carries qrsign.role=relay.
func hasRelayRole(file string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return false
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return false
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(fabricCAAttrsOID) {
			var v struct {
				Attrs map[string]string `json:"attrs"`
			}
			return json.Unmarshal(e.Value, &v) == nil && v.Attrs[relayRoleAttr] == relayRole
		}
	}
	return false
}

// Enroll has each member enroll its bootstrap registrar from its own Fabric
// CA and issue its relay's client identity (once; kept in its own directory).
func (n *Net) Enroll(in *netinfo.Info) error {
	for i, g := range n.members() {
		if err := n.EnrollOrg(g, &in.Orgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// EnrollOrg is Enroll for one org.
func (n *Net) EnrollOrg(g *config.Org, o *netinfo.Org) error {
	if ca := n.signerCA(g); !exists(filepath.Join(ca.Registrar, "msp", "signcerts", "cert.pem")) {
		secret, err := n.caBootSecret(ca)
		if err != nil {
			return err
		}
		if _, err := o.Enroll(n.Bin, caBootUser, secret, ca.Registrar); err != nil {
			return err
		}
	}
	cert := filepath.Join(n.relayIDHome(g), "msp", "signcerts", "cert.pem")
	if exists(cert) && hasRelayRole(cert) {
		return nil
	}
	// None yet, or one from before the chaincode required the role (the
	// relay restarts because its identity changed).
	if err := os.RemoveAll(n.relayIDHome(g)); err != nil {
		return err
	}
	return n.relayIdentity(g, cert)
}

// relayIdentity issues the relay's client identity with g's MSP CA (not its
// signer CA, whose identities the channel's MSP does not know), carrying
// qrsign.role=relay as Fabric CA writes attributes, into an MSP directory.
func (n *Net) relayIdentity(g *config.Org, certFile string) error {
	ca, err := readCert(n.orgCACert(g))
	if err != nil {
		return err
	}
	attrs, err := json.Marshal(map[string]map[string]string{"attrs": {relayRoleAttr: relayRole}})
	if err != nil {
		return err
	}
	der, key, err := n.issueFromOrgCA(g, &x509.Certificate{
		Subject: pkix.Name{CommonName: "relay", Organization: ca.Subject.Organization, OrganizationalUnit: []string{"client"}},
		// From the CA's own start: Fabric's MSP validates the chain at the leaf's NotBefore.
		NotBefore: ca.NotBefore, NotAfter: ca.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: fabricCAAttrsOID, Value: attrs}}})
	if err != nil {
		return err
	}
	keystore := filepath.Join(n.relayIDHome(g), "msp", "keystore")
	if err := os.MkdirAll(keystore, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(keystore, "priv_sk"), key, 0o600); err != nil {
		return err
	}
	return writeFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, os.ErrNotExist)
}
