// Package e2e holds the end-to-end tests of scan-to-sign: a real Fabric
// network, real Fabric CAs, the real relay processes and the real qrsign
// binary. They run with the build tag "integration" against the network named
// by $QRSIGN_NETWORK_STATE (scripts/test.sh), and fail when it is missing.
// The fault test (tags "integration faults") kills a relay and a peer of a
// redundant network while many signers call back.
package e2e
