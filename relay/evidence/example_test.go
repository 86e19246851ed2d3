package evidence_test

import (
	"crypto/x509"
	"fmt"
	"os"

	"github.com/qrsign/qrsign/relay/evidence"
	"github.com/qrsign/qrsign/relay/signer/keystore"
)

// Verify a bundle captured from the real network, trusting only the two
// orgs' and the orderer org's roots.
func Example() {
	roots := func(file string) []*x509.Certificate {
		b, _ := os.ReadFile(file)
		cs, _ := keystore.ParseCerts(b)
		return cs
	}
	raw, _ := os.ReadFile("testdata/two-signers.json")
	bundle, err := evidence.Decode(raw)
	if err != nil {
		panic(err)
	}
	doc, _ := os.ReadFile("testdata/two-signers.pdf")
	r := evidence.Verify(bundle, evidence.Trust{
		Orgs: map[string][]*x509.Certificate{
			"Org1MSP": roots("testdata/root-Org1MSP.pem"), "Org2MSP": roots("testdata/root-Org2MSP.pem")},
		Orderers:         map[string][]*x509.Certificate{"OrdererMSP": roots("testdata/orderer-root-OrdererMSP.pem")},
		MinEndorsingOrgs: 2, // the channel's policy: stated by the auditor, never derived from the roots
	}, doc)
	fmt.Println(r.OK(), len(r.Checks), len(bundle.Transactions), "transactions")
	// Output: true 32 3 transactions
}
