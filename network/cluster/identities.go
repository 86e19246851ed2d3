package cluster

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
)

// RelayRoleAttr is the Fabric CA attribute (in the enrollment certificate) by
// which the chaincode recognises a relay: only relays and org admins may write.
const RelayRoleAttr = "qrsign.role=relay:ecert"

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
			return json.Unmarshal(e.Value, &v) == nil && v.Attrs["qrsign.role"] == "relay"
		}
	}
	return false
}

// Enroll has each member enroll its bootstrap registrar and its relay's
// client identity from its own Fabric CA (once; kept in its own directory).
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
	if reg := n.signerCA(g).Registrar; !exists(filepath.Join(reg, "msp", "signcerts", "cert.pem")) {
		if _, err := o.Enroll(n.Bin, "admin", "adminpw", reg); err != nil {
			return err
		}
	}
	cert := filepath.Join(n.relayIDHome(g), "msp", "signcerts", "cert.pem")
	if exists(cert) {
		if hasRelayRole(cert) {
			return nil
		}
		// State from before the chaincode required the role: grant it and
		// enroll again (the relay restarts because its identity changed).
		if err := o.SetUserAttrs(n.Bin, "relay", RelayRoleAttr); err != nil {
			return err
		}
		if err := os.RemoveAll(n.relayIDHome(g)); err != nil {
			return err
		}
	}
	secret, err := n.secret(g)
	if err != nil {
		return err
	}
	if err := o.RegisterUser(n.Bin, "relay", secret, RelayRoleAttr); err != nil && !strings.Contains(err.Error(), "already registered") {
		return err
	}
	_, err = o.Enroll(n.Bin, "relay", secret, n.relayIDHome(g))
	return err
}

// secret is the relay identity's enrollment secret, created once.
func (n *Net) secret(g *config.Org) (string, error) {
	f := filepath.Join(n.OrgHome(g.Name), "relay.secret")
	if b, err := os.ReadFile(f); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	s, err := randomHex(16)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return "", err
	}
	return s, os.WriteFile(f, []byte(s+"\n"), 0o600)
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
