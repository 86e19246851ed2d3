package ledger

import "github.com/hyperledger/fabric-gateway/pkg/hash"

// hashSHA256 is the message hash Fabric identities sign with.
var hashSHA256 = hash.SHA256
