package keystore_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"

	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// A key is stored encrypted beside its certificate; only the passphrase opens it.
func Example() {
	dir, _ := os.MkdirTemp("", "qrsign-home-")
	defer os.RemoveAll(dir)
	ca := signertest.NewCA("ca-org1")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := []byte(testpki.PEM(ca.IssueFor(testpki.Leaf{CN: "alice"}, &key.PublicKey))) // in real life: enroll.Enroller

	ks := keystore.New(dir)
	if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("correct horse"), false); err != nil {
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
