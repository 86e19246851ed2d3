package main

import (
	"testing"
)

func TestRunNeedsItsEnvironment(t *testing.T) {
	t.Setenv("CHAINCODE_ID", "")
	t.Setenv("CHAINCODE_SERVER_ADDRESS", "127.0.0.1:0")
	if err := run(); err == nil || err.Error() != "CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set" {
		t.Fatalf("got %v", err)
	}
}
