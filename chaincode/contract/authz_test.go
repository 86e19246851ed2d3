package contract

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/internal/fakestub"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// Document writes need a relay identity (Fabric CA attribute
// qrsign.role=relay in the enrollment certificate) or an org admin.
func TestWritersMustBeRelayOrAdmin(t *testing.T) {
	f := newFixture(t)
	o := f.orgs["Org1MSP"]
	other, _ := o.ca.Issue(testpki.Leaf{CN: "app", Attrs: map[string]string{"qrsign.role": "signer"}})
	otherRole := fakestub.Creator("Org1MSP", other)
	forbidden := func(action string) string {
		return "FORBIDDEN: only a relay (attribute qrsign.role=relay) or an org admin may " + action + "; the submitter of Org1MSP has neither"
	}
	cases := []struct {
		name, fn, arg, want string
		creator             []byte
	}{
		{"member registers", "RegisterDocument", js(docRequest("d9", f.alice)), forbidden("register documents"), o.member},
		{"other role registers", "RegisterDocument", js(docRequest("d9", f.alice)), forbidden("register documents"), otherRole},
		{"member signs", "RecordSignature", js(f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")), forbidden("record signatures"), o.member},
		{"member declines", "DeclineSignature", js(f.sigRequest(f.alice, "d1", payload.PurposeDecline, "no", nil, "")), forbidden("record declines"), o.member},
		{"member annotates", "Annotate", js(model.AnnotateRequest{SignatureRequest: f.sigRequest(f.alice, "d1", payload.PurposeAnnotate, "", []string{"hr"}, ""), Tags: []string{"hr"}}),
			forbidden("annotate documents"), o.member},
		{"member voids", "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: "x"}), forbidden("void documents"), o.member},
		{"admin of another org voids", "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: "x"}),
			"FORBIDDEN: only the owner's org Org1MSP may void document d1", f.orgs["Org2MSP"].admin},
		{"relay of another org voids", "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: "x"}),
			"FORBIDDEN: only the owner's org Org1MSP may void document d1", f.orgs["Org2MSP"].client},
		{"admin registers", "RegisterDocument", js(docRequest("d8", f.alice)), "", o.admin},
		{"relay of another org signs", "RecordSignature", js(f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")), "", f.orgs["Org2MSP"].client},
		{"admin voids", "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: "x"}), "", o.admin},
	}
	for _, c := range cases {
		_, err := f.invoke(c.creator, c.fn, c.arg)
		if c.want == "" && err != nil || c.want != "" && (err == nil || err.Error() != c.want) {
			t.Errorf("%s: got %v\nwant %q", c.name, err, c.want)
		}
	}
}
