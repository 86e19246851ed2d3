package evidence

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/signer/keystore"
)

// The golden bundles in testdata/ were captured from the real network by
// relay/e2e (go test -tags integration -run TestEvidenceBundle ./relay/e2e -update),
// with the org and orderer roots of that network beside them.

func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func goldenTrust(tb testing.TB) Trust {
	tb.Helper()
	load := func(name string) []*x509.Certificate {
		cs, err := keystore.ParseCerts(readFile(tb, name))
		if err != nil {
			tb.Fatal(err)
		}
		return cs
	}
	return Trust{
		Orgs:             map[string][]*x509.Certificate{"Org1MSP": load("root-Org1MSP.pem"), "Org2MSP": load("root-Org2MSP.pem")},
		Orderers:         map[string][]*x509.Certificate{"OrdererMSP": load("orderer-root-OrdererMSP.pem")},
		MinEndorsingOrgs: 2,
		Now:              goldenNow,
	}
}

// goldenNow is the verifier's clock for the golden bundles (their witnesses
// are dated 2026-11-24T19:47Z): fixed, so the tests do not depend on the day
// they run. Regenerated goldens must be dated before it.
var goldenNow = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func goldenBundle(tb testing.TB, name string) *Bundle {
	tb.Helper()
	b, err := Decode(readFile(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestGoldenBundlesVerify(t *testing.T) {
	trust := goldenTrust(t)
	cases := []struct {
		name, bundle, document string
		checks                 int
	}{
		{"two signers of two orgs, CRL frozen", "two-signers.json", "two-signers.pdf", 32},
		{"declined", "declined.json", "", 0},
		{"batch-signed (Merkle inclusion)", "batch.json", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var doc []byte
			if c.document != "" {
				doc = readFile(t, c.document)
			}
			r := Verify(goldenBundle(t, c.bundle), trust, doc)
			if !r.OK() {
				t.Fatalf("failures: %+v", r.Failures())
			}
			if c.checks > 0 && len(r.Checks) != c.checks {
				t.Fatalf("%d checks, want %d", len(r.Checks), c.checks)
			}
			// Every check says itself again stably, for output in the reader's language.
			for _, ch := range r.Checks {
				if ch.Code == "" || len(ch.Params) == 0 {
					t.Errorf("check %q: code %q, params %v", ch.Name, ch.Code, ch.Params)
				}
			}
		})
	}
}

// envOf is transaction i's envelope (base64), from its block.
func envOf(tb testing.TB, b *Bundle, i int) string {
	tb.Helper()
	e, _, err := b.envelope(&b.Transactions[i])
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// blockOf is transaction i's block.
func blockOf(tb testing.TB, b *Bundle, i int) Block {
	tb.Helper()
	_, blk, err := b.envelope(&b.Transactions[i])
	if err != nil {
		tb.Fatal(err)
	}
	return *blk
}

// setEnv replaces transaction i's entry in its block.
func setEnv(tb testing.TB, b *Bundle, i int, env string) {
	tb.Helper()
	_, blk, err := b.envelope(&b.Transactions[i])
	if err != nil {
		tb.Fatal(err)
	}
	blk.Data[b.Transactions[i].TxIndex] = env
}
