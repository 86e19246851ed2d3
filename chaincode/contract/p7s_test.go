package contract

import (
	"strings"
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

func TestP7SRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(f *fixture) (fn string, req model.SignatureRequest)
		want string
	}{
		{"PDF document", func(f *fixture) (string, model.SignatureRequest) {
			r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
			r.P7S = &model.P7S{SHA256: hexOf(0xa7)}
			return "RecordSignature", r
		}, "INVALID_FIELD: document d1 is application/pdf: its signatures are PDF revisions, not .p7s files"},
		{"upper-case hash", func(f *fixture) (string, model.SignatureRequest) {
			f.registerText("t1")
			r := f.sigRequest(f.alice, "t1", payload.PurposeSign, "", nil, "")
			r.P7S = &model.P7S{SHA256: strings.ToUpper(hexOf(0xa7))}
			return "RecordSignature", r
		}, "INVALID_FIELD: p7s.sha256 must be 64 lowercase hex"},
		{"no hash", func(f *fixture) (string, model.SignatureRequest) {
			f.registerText("t1")
			r := f.sigRequest(f.alice, "t1", payload.PurposeSign, "", nil, "")
			r.P7S = &model.P7S{}
			return "RecordSignature", r
		}, "INVALID_FIELD: p7s.sha256 must be 64 lowercase hex"},
		{"decline with a p7s", func(f *fixture) (string, model.SignatureRequest) {
			f.registerText("t1")
			r := f.sigRequest(f.alice, "t1", payload.PurposeDecline, "no", nil, "")
			r.P7S = &model.P7S{SHA256: hexOf(0xa7)}
			return "DeclineSignature", r
		}, "INVALID_FIELD: pdf and p7s are bound only for RecordSignature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			fn, req := tc.run(f)
			before := len(f.L.State)
			_, err := f.invoke(f.orgs["Org1MSP"].client, fn, js(req))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
			if len(f.L.State) != before {
				t.Fatalf("a refused request wrote %d keys", len(f.L.State)-before)
			}
		})
	}
}
