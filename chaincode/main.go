// Command chaincode runs the qrsign signing-ledger contract as a chaincode
// server (chaincode-as-a-service): the peer dials it at CHAINCODE_SERVER_ADDRESS.
// TLS is off because the network tool runs it on 127.0.0.1 next to the peer.
package main

import (
	"fmt"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/qrsign/qrsign/chaincode/contract"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "chaincode:", err)
		os.Exit(1)
	}
}

func run() error {
	id, addr := os.Getenv("CHAINCODE_ID"), os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if id == "" || addr == "" {
		return fmt.Errorf("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
	}
	cc, err := contract.NewChaincode()
	if err != nil {
		return err
	}
	srv := &shim.ChaincodeServer{
		CCID:     id,
		Address:  addr,
		CC:       cc,
		TLSProps: shim.TLSProperties{Disabled: true},
	}
	return srv.Start()
}
