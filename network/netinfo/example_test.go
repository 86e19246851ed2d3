package netinfo_test

import (
	"fmt"
	"log"

	"github.com/qrsign/qrsign/network/netinfo"
)

// An integration test finds the network scripts/test.sh started, connects
// to org1's first peer as the relay's client identity and submits a Ping.
func Example() {
	in, err := netinfo.FromEnv() // $QRSIGN_NETWORK_STATE
	if err != nil {
		log.Fatal(err)
	}
	org, err := in.Org("Org1MSP")
	if err != nil {
		log.Fatal(err)
	}
	conn, gw, err := org.Dial(org.Client, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	defer gw.Close()
	txID, err := gw.GetNetwork(in.Channel).GetContract(in.Chaincode).Submit("Ping")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("committed %s\n", txID)
}

// A test signer is registered with the org's Fabric CA and enrolled; the
// certificate is issued by the org's MSP CA, so the signer is an org member.
func ExampleOrg_RegisterUser() {
	in, err := netinfo.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	org := &in.Orgs[0]
	if err := org.RegisterUser(in.BinDir, "alice", "alice-secret"); err != nil {
		log.Fatal(err)
	}
	alice, err := org.Enroll(in.BinDir, "alice", "alice-secret", "/tmp/alice")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(alice.CertFile)
}
