package payload_test

import (
	"fmt"

	"github.com/qrsign/qrsign/chaincode/payload"
)

// The bytes a signer signs to decline a document; lengths are in bytes, so
// the reason may hold newlines.
func ExampleBuild() {
	p, err := payload.Build(payload.Fields{
		Purpose:           payload.PurposeDecline,
		Channel:           "qrsign",
		DocumentID:        "contract-7",
		DocumentSHA256:    "8cb30fbfca205e554e9d9dc722f042da31c70d98c23a71223e894fd508c94fcb",
		Nonce:             "00112233445566778899aabbccddeeff",
		SignerFingerprint: "b9cca7236295d77d7207bb724d33713292d04c26970121e462dcc53d1c704e28",
		Reason:            "wrong\namount",
	})
	fmt.Printf("%s%v", p, err)
	// Output:
	// QRSIGN-PAYLOAD/1
	// purpose=7:decline
	// channel=6:qrsign
	// document=10:contract-7
	// sha256=64:8cb30fbfca205e554e9d9dc722f042da31c70d98c23a71223e894fd508c94fcb
	// nonce=32:00112233445566778899aabbccddeeff
	// signer=64:b9cca7236295d77d7207bb724d33713292d04c26970121e462dcc53d1c704e28
	// reason=12:wrong
	// amount
	// <nil>
}
