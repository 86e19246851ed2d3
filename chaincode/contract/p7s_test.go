package contract

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// registerText registers document id as text/plain, signed by alice.
func (f *fixture) registerText(id string) {
	req := docRequest(id, f.alice)
	req.MediaType = "text/plain"
	f.must(f.orgs["Org1MSP"].client, "RegisterDocument", js(req))
}

// A signature of a document other than a PDF records its .p7s in its event.
func TestP7SRecorded(t *testing.T) {
	f := newFixture(t)
	f.registerText("t1")
	r := f.sigRequest(f.alice, "t1", payload.PurposeSign, "", nil, "")
	r.P7S = &model.P7S{SHA256: hexOf(0xa7)}
	f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(r))
	h := decode[model.History](t, f.must(nil, "GetHistory", "t1"))
	var got []string
	for _, e := range h.Events {
		if e.Signature != nil && e.Signature.P7S != nil {
			got = append(got, e.Signature.P7S.SHA256)
		}
	}
	if len(got) != 1 || got[0] != hexOf(0xa7) {
		t.Fatalf("p7s in events: %v", got)
	}
}
