// Package integration holds the network's integration tests (build tag
// integration) and fault tests (tags integration,faults; redundant profile).
// They run against the network named by $QRSIGN_NETWORK_STATE, which
// scripts/test.sh starts, and fail when it is missing.
package integration
