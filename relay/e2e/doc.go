// Package e2e holds the end-to-end tests of scan-to-sign: a real Fabric
// network, real Fabric CAs, the real relay processes and the real qrsign
// binary. They run with the build tag "integration" against the network named
// by $QRSIGN_NETWORK_STATE (scripts/test.sh), and fail when it is missing.
// The fault test (tags "integration faults") crashes a relay, peers and a
// chaincode server of a redundant network while many signers call back, and
// the network's supervisor brings each back.
package e2e
