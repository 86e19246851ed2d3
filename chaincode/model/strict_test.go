package model_test

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestDecodeIsStrict(t *testing.T) {
	const sig = `"nonce":"00112233445566778899aabbccddeeff","certChainPem":"x","signature":"AAAA","algorithm":"ED25519"`
	cases := []struct{ name, in, want string }{
		{"exact names", `{"documentId":"d1",` + sig + `}`, ""},
		{"field in another case", `{"DocumentId":"d1",` + sig + `}`, `BAD_REQUEST: request JSON: field "DocumentId" must be spelled "documentId"`},
		{"all lower case", `{"documentid":"d1",` + sig + `}`, `BAD_REQUEST: request JSON: field "documentid" must be spelled "documentId"`},
		{"duplicate key", `{"documentId":"d1","documentId":"d2",` + sig + `}`, `BAD_REQUEST: request JSON: duplicate field "documentId"`},
		{"keys differing in case", `{"documentId":"d1","DOCUMENTID":"d2",` + sig + `}`,
			`BAD_REQUEST: request JSON: fields "documentId" and "DOCUMENTID" differ only in case`},
		{"Unicode fold of a field name", `{"documentId":"d1","nonce":"00112233445566778899aabbccddeeff","certChainPem":"x","ſignature":"AAAA","algorithm":"ED25519"}`,
			`BAD_REQUEST: request JSON: field "ſignature" must be spelled "signature"`},
		{"unknown field keeps encoding/json's message", `{"documentId":"d1","x":1}`, `BAD_REQUEST: request JSON: json: unknown field "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r model.SignatureRequest
			err := model.Decode([]byte(c.in), &r)
			if c.want == "" && err != nil || c.want != "" && (err == nil || err.Error() != c.want) {
				t.Fatalf("got  %v\nwant %q", err, c.want)
			}
		})
	}
	// Nested objects too: a signer's fields, an embedded struct's fields.
	for _, c := range []struct {
		in   string
		v    any
		want string
	}{
		{`{"id":"d","signers":[{"id":"a","MSPID":"M","routingOrder":1}]}`, &model.RegisterDocumentRequest{},
			`BAD_REQUEST: request JSON: field "MSPID" must be spelled "mspId"`},
		{`{"id":"d","signers":[{"id":"a","id":"b"}]}`, &model.RegisterDocumentRequest{},
			`BAD_REQUEST: request JSON: duplicate field "id"`},
		{`{"documentId":"d","Tags":["a"]}`, &model.AnnotateRequest{}, `BAD_REQUEST: request JSON: field "Tags" must be spelled "tags"`},
	} {
		if err := model.Decode([]byte(c.in), c.v); err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v\nwant %q", c.in, err, c.want)
		}
	}
}
