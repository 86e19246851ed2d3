package httpapi

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/config"
)

func TestOrgTrustIsPublicLedgerData(t *testing.T) {
	h := newHarness(t)
	rec := h.do("GET", "/v1/orgs/Org1MSP/trust", nil)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	got := decode[model.OrgTrust](t, rec)
	if got.MSPID != "Org1MSP" || len(got.CAs) != 1 || got.CAs[0].Subject != "CN=Org1 CA" {
		t.Fatalf("%+v", got)
	}
}

func TestOrgTrustOfAnOrgWithNothingRegisteredIsEmptyLists(t *testing.T) {
	h := newHarness(t)
	rec := h.do("GET", "/v1/orgs/Org9MSP/trust", nil)
	if rec.Code != 200 || rec.Body.String() != `{"mspId":"Org9MSP","cas":[],"crls":[]}`+"\n" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestOrgTrustRefusals(t *testing.T) {
	h := newHarness(t)
	p := wantProblem(t, h.do("GET", "/v1/orgs/Bad%20MSP/trust", nil), 400, "INVALID_FIELD")
	if p.Detail != `mspId "Bad MSP" is not a valid MSP id` {
		t.Errorf("detail %q", p.Detail)
	}
	h.ledger.Down = true
	wantProblem(t, h.do("GET", "/v1/orgs/Org1MSP/trust", nil), 503, "UNAVAILABLE")
}

func TestOrgTrustIsRateLimited(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit = config.RateLimit{PerSecond: 1, Burst: 1} })
	if rec := h.do("GET", "/v1/orgs/Org1MSP/trust", nil); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	wantProblem(t, h.do("GET", "/v1/orgs/Org1MSP/trust", nil), 429, "RATE_LIMITED")
}
