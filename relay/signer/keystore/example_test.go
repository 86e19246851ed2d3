package keystore_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"

	"github.com/qrsign/qrsign/relay/signer/internal/testpki"
	"github.com/qrsign/qrsign/relay/signer/keystore"
)

// A key is stored encrypted beside its certificate; only the passphrase opens it.
func Example() {
	dir, _ := os.MkdirTemp("", "qrsign-home-")
	defer os.RemoveAll(dir)
	ca := testpki.NewCA("ca-org1")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := ca.Issue("alice", &key.PublicKey) // in real life: enroll.Enroller

	ks := keystore.New(dir)
	if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, ca.CertPEM, []byte("correct horse"), false); err != nil {
		panic(err)
	}
	_, err := ks.Unlock([]byte("battery staple"))
	fmt.Println(err)
	k, _ := ks.Unlock([]byte("correct horse"))
	fmt.Println(k.Equal(key))
	// Output:
	// keystore: wrong passphrase
	// true
}
