package contract

import (
	"math/big"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

func TestGetOrgHistoryListsEveryCAAndCRLEventInOrder(t *testing.T) {
	w := newWorld(t)
	o := w.orgs["Org1MSP"]
	fp := payload.Fingerprint(o.ca.Cert.Raw)
	w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp, CRLPEM: o.ca.CRL(1, w.now, big.NewInt(7))}))
	w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp, CRLPEM: o.ca.CRL(2, w.now)}))
	h := decode[model.OrgHistory](t, w.must(nil, "GetOrgHistory", "Org1MSP"))
	if h.MSPID != "Org1MSP" || len(h.Events) != 3 {
		t.Fatalf("history %+v", h)
	}
	got := []string{}
	for _, e := range h.Events {
		s := string(e.Type)
		if e.CRL != nil {
			s += " " + e.CRL.Number
		}
		got = append(got, s)
	}
	if want := "[SignerCARegistered CRLPublished 1 CRLPublished 2]"; fmtList(got) != want {
		t.Fatalf("got %s want %s", fmtList(got), want)
	}
	// The older CRL is still there, with its PEM (GetOrgTrust keeps the latest only).
	if h.Events[1].CRL.CRLPEM == "" || h.Events[1].Seq != 1 || h.Events[2].Seq != 2 {
		t.Fatalf("first CRL event %+v", h.Events[1])
	}
}

func TestGetOrgHistoryRejects(t *testing.T) {
	w := newWorld(t)
	cases := []struct{ name, msp, want string }{
		{"slash in the MSP id", "bad/msp", `INVALID_FIELD: mspId "bad/msp" is not a valid MSP id`},
		{"empty MSP id", "", `INVALID_FIELD: mspId "" is not a valid MSP id`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := w.invoke(nil, "GetOrgHistory", c.msp); err == nil || err.Error() != c.want {
				t.Fatalf("got %v want %s", err, c.want)
			}
		})
	}
	none := decode[model.OrgHistory](t, w.must(nil, "GetOrgHistory", "Org9MSP"))
	if none.MSPID != "Org9MSP" || len(none.Events) != 0 {
		t.Fatalf("unknown org %+v", none)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
