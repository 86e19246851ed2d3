package contract

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// The chaincode identifies the signer exactly: (mspId, CN). Org2 also trusts
// Org1's CA here, so alice's certificate verifies for both orgs' "alice".
func TestSignerIdentifiedByMSP(t *testing.T) {
	setup := func(t *testing.T) (*world, *signer) {
		w := newWorld(t)
		w.must(w.orgs["Org2MSP"].admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: w.orgs["Org1MSP"].ca.PEM()}))
		a1 := w.signer("Org1MSP", "alice", 1)
		a2 := &signer{spec: model.SignerSpec{ID: "alice", MSPID: "Org2MSP", RoutingOrder: 1}}
		w.register("d1", a1, a2)
		return w, a1
	}
	cases := []struct {
		name, msp, want string
	}{
		{"ambiguous without mspId", "",
			`NOT_A_SIGNER: certificate CN "alice" is a signer of document d1 in Org1MSP, Org2MSP, whose CAs all verify it; mspId is required`},
		{"mspId of an org not on the document", "Org3MSP", "NOT_A_SIGNER: Org3MSP/alice is not a signer of document d1"},
		{"malformed mspId", "Org1/MSP", `INVALID_FIELD: mspId "Org1/MSP" must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`},
		{"mspId picks Org2's alice", "Org2MSP", ""},
		{"mspId picks Org1's alice", "Org1MSP", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, a1 := setup(t)
			r := w.sigRequest(a1, "d1", payload.PurposeSign, "", nil, "")
			r.MSPID = c.msp
			out, err := w.invoke(w.orgs["Org1MSP"].client, "RecordSignature", js(r))
			if c.want != "" {
				if err == nil || err.Error() != c.want {
					t.Fatalf("got  %v\nwant %s", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res := decode[model.WriteResult](t, out)
			if got := res.Events[0].Signature.Signer.MSPID; got != c.msp {
				t.Fatalf("recorded for %s, want %s", got, c.msp)
			}
		})
	}
}
