//go:build integration

package integration

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/netinfo"
)

// Key custody: every private key under <state>/orgs/<org> belongs to that
// org (its certificate chains to that org's own CA or TLS CA, or is one),
// the exchange directory holds no private key at all, and nothing else in
// the state directory does either.
func TestNoOrgHoldsAnotherOrgsPrivateKey(t *testing.T) {
	checkCustody(t, mustInfo(t))
}

// checkCustody is TestNoOrgHoldsAnotherOrgsPrivateKey on the network in.
func checkCustody(t *testing.T, in *netinfo.Info) {
	t.Helper()
	state := in.StateDir
	homes, _ := filepath.Glob(filepath.Join(state, "orgs", "*"))
	if len(homes) < len(in.Orgs)+1 {
		t.Fatalf("%d org directories under %s/orgs, want one per member and the orderer org", len(homes), state)
	}
	roots := map[string][]*x509.Certificate{} // org -> its published CA and TLS CA certificates
	for _, h := range homes {
		org := filepath.Base(h)
		files, _ := filepath.Glob(filepath.Join(state, "exchange", org, "msp", "*certs", "*.pem"))
		rotated, _ := filepath.Glob(filepath.Join(state, "exchange", org, "signer-cas", "*.pem")) // RotateCA's
		files = append(files, rotated...)
		for _, f := range files {
			roots[org] = append(roots[org], certsIn(t, f)...)
		}
		if len(roots[org]) < 2 {
			t.Fatalf("%s published %d root certificates, want its CA and TLS CA", org, len(roots[org]))
		}
	}
	// Whose is each public key: the org whose root issued (or is) a certificate for it.
	owner := map[string]string{}
	walk(t, state, func(path string, b []byte) {
		for _, c := range certsInBytes(b) {
			for org, rs := range roots {
				for _, r := range rs {
					if c.Equal(r) || c.CheckSignatureFrom(r) == nil {
						owner[pubKey(t, c.PublicKey)] = org
					}
				}
			}
		}
	})
	own := map[string]int{}
	walk(t, state, func(path string, b []byte) {
		rel, _ := filepath.Rel(state, path)
		for _, k := range keysIn(b) {
			parts := strings.Split(rel, string(filepath.Separator))
			if parts[0] != "orgs" {
				t.Errorf("%s: a private key outside every org's own directory (of %q)", rel, owner[pubKey(t, k)])
				continue
			}
			switch o := owner[pubKey(t, k)]; o {
			case parts[1]:
				own[o]++
			case "":
				// A key with no certificate (a relay's token key): the org's own secret.
			default:
				t.Errorf("%s: %s holds the private key of a certificate issued by %s", rel, parts[1], o)
			}
		}
	})
	for _, h := range homes {
		if org := filepath.Base(h); own[org] == 0 {
			t.Errorf("%s: no private key of its own found: the check saw nothing", org)
		}
	}
	t.Logf("own private keys per org: %v", own)
}

func walk(t *testing.T, root string, f func(path string, b []byte)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if fi, _ := d.Info(); fi != nil && fi.Size() < 1<<20 { // certificates and keys are small; skip ledgers and binaries
				if b, err := os.ReadFile(path); err == nil {
					f(path, b)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func certsIn(t *testing.T, file string) []*x509.Certificate {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return certsInBytes(b)
}

func certsInBytes(b []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		if blk.Type == "CERTIFICATE" {
			if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
				out = append(out, c)
			}
		}
	}
}

// keysIn returns the public halves of the private keys PEM-encoded in b.
func keysIn(b []byte) []crypto.PublicKey {
	var out []crypto.PublicKey
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		if !strings.Contains(blk.Type, "PRIVATE KEY") {
			continue
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			if ec, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
				k = ec
			}
		}
		if s, ok := k.(crypto.Signer); ok {
			out = append(out, s.Public())
		}
	}
}

func pubKey(t *testing.T, k crypto.PublicKey) string {
	b, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
