package proof_test

import (
	"fmt"

	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/login/proof"
)

// A scanner builds the bytes it signs from GET /v1/login/{token}.
func ExampleFields() {
	fp := "1111111111111111111111111111111111111111111111111111111111111111" // sha256 of the leaf DER
	msg, err := payload.Build(proof.Fields("qrsign", "http://127.0.0.1:7080", "0123456789abcdef0123456789abcdef",
		"fedcba9876543210fedcba9876543210", fp))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(msg))
	// Output:
	// QRSIGN-PAYLOAD/1
	// purpose=5:login
	// channel=6:qrsign
	// document=32:0123456789abcdef0123456789abcdef
	// sha256=64:878c4dac227cc327ebf3725dcac586dcf4e6b821472dfeab6c4a4150b54c55e5
	// nonce=32:fedcba9876543210fedcba9876543210
	// signer=64:1111111111111111111111111111111111111111111111111111111111111111
}
