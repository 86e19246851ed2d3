package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
)

// Enroll enrolls each org's bootstrap registrar and the relay's client
// identity from the org's Fabric CA (once; kept in the state directory).
func (n *Net) Enroll(in *netinfo.Info) error {
	for i, g := range n.P.Orgs {
		o := &in.Orgs[i]
		if !exists(filepath.Join(n.registrarHome(g), "msp", "signcerts", "cert.pem")) {
			if _, err := o.Enroll(n.Bin, "admin", "adminpw", n.registrarHome(g)); err != nil {
				return err
			}
		}
		if exists(filepath.Join(n.relayIDHome(g), "msp", "signcerts", "cert.pem")) {
			continue
		}
		secret, err := n.secret(g)
		if err != nil {
			return err
		}
		if err := o.RegisterUser(n.Bin, "relay", secret); err != nil && !strings.Contains(err.Error(), "already registered") {
			return err
		}
		if _, err := o.Enroll(n.Bin, "relay", secret, n.relayIDHome(g)); err != nil {
			return err
		}
	}
	return nil
}

// secret is the relay identity's enrollment secret, created once.
func (n *Net) secret(g *config.Org) (string, error) {
	f := n.path("orgs", g.Name, "relay.secret")
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
