package keystore_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// BenchmarkUnlock measures what the passphrase costs a person (and an
// attacker per guess) at the default scrypt parameters, as a ratio to the
// ECDSA signature it unlocks.
func BenchmarkUnlock(b *testing.B) {
	ca := signertest.NewCA("ca-org1")
	ident := ca.Signer("alice")
	key, cert := ident.Key, []byte(ident.CertPEM)
	ks := &keystore.Keystore{Dir: b.TempDir()}
	if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("pw"), false); err != nil {
		b.Fatal(err)
	}
	msg := sha256.Sum256([]byte("payload"))
	const signs = 200
	start := time.Now()
	for range signs {
		if _, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg[:]); err != nil {
			b.Fatal(err)
		}
	}
	perSign := time.Since(start) / signs
	b.ResetTimer()
	for b.Loop() {
		if _, err := ks.Unlock([]byte("pw")); err != nil {
			b.Fatal(err)
		}
	}
	perUnlock := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perUnlock)/float64(perSign), "unlock/sign")
	b.ReportMetric(float64(perUnlock.Milliseconds()), "ms/unlock")
}
