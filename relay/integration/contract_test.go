//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/qrsign/qrsign/relay/httpapi"
)

// TestPublicReadsAnswerAsDocumented: the document the relay serves is the
// one in this tree, and an org's ledger trust is public and lists its CA
// (each response also passes the apicheck validation in TestMain).
func TestPublicReadsAnswerAsDocumented(t *testing.T) {
	e := setup(t)
	code, body, _ := e.do(t, "GET", "/v1/openapi.json", nil)
	if code != 200 || !bytes.Equal(body, httpapi.OpenAPI()) {
		t.Fatalf("openapi.json: %d, %d bytes, want this tree's %d", code, len(body), len(httpapi.OpenAPI()))
	}
	code, body, _ = e.do(t, "GET", "/v1/orgs/"+e.org.MSPID+"/trust", nil)
	var trust struct {
		MSPID string `json:"mspId"`
		CAs   []any  `json:"cas"`
	}
	if err := json.Unmarshal(body, &trust); code != 200 || err != nil || trust.MSPID != e.org.MSPID || len(trust.CAs) == 0 {
		t.Fatalf("trust: %d %s", code, body)
	}
}
