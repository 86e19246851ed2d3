package model_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// fuzzDecode checks, for one request type, that Decode+Validate never panic,
// that every error carries a known code, and that an accepted request
// survives a JSON round trip unchanged and still validates.
func fuzzDecode[T any](f *testing.F, seeds []string, validate func(*T) error) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var req T
		err := model.Decode(in, &req)
		if err == nil {
			err = validate(&req)
		}
		if err != nil {
			if _, ok := model.CodeOf(err); !ok {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		b, err := json.Marshal(&req)
		if err != nil {
			t.Fatal(err)
		}
		var again T
		if err := model.Decode(b, &again); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if err := validate(&again); err != nil {
			t.Fatalf("re-validate: %v", err)
		}
		b2, _ := json.Marshal(&again)
		if string(b) != string(b2) {
			t.Fatalf("round trip changed the request:\n%s\n%s", b, b2)
		}
	})
}

func FuzzSignatureRequest(f *testing.F) {
	fuzzDecode(f, []string{
		`{"documentId":"d1","nonce":"00112233445566778899aabbccddeeff","certChainPem":"-----BEGIN CERTIFICATE-----\n","signature":"AAAA","algorithm":"ED25519"}`,
		`{"documentId":"d1","nonce":"0","certChainPem":"x","signature":"x","algorithm":"RSA"}`,
		`{"documentId":"d1"} {}`, `null`, `{"reason":"\u0000"}`,
	}, func(r *model.SignatureRequest) error { return r.Validate() })
}

func FuzzRegisterDocumentRequest(f *testing.F) {
	fuzzDecode(f, []string{
		`{"id":"doc-1","sha256":"` + hex64 + `","size":10,"mediaType":"application/pdf","title":"T","docType":"contract","owner":"app1","signers":[{"id":"alice","mspId":"Org1MSP","routingOrder":1}],"priority":3,"expiresAt":"2027-01-01T00:00:00Z"}`,
		`{"id":"doc-1","signers":[{"id":"a","mspId":"M","routingOrder":1},{"id":"a","mspId":"M","routingOrder":1}]}`,
		`{"expiresAt":"not a time"}`,
	}, func(r *model.RegisterDocumentRequest) error { return r.Validate(now) })
}

func FuzzAnnotateRequest(f *testing.F) {
	fuzzDecode(f, []string{
		`{"documentId":"d1","nonce":"00112233445566778899aabbccddeeff","certChainPem":"x","signature":"AAAA","algorithm":"ED25519","tags":["hr","a,b"],"note":"n"}`,
		`{"documentId":"d1","nonce":"00112233445566778899aabbccddeeff","certChainPem":"x","signature":"AAAA","algorithm":"ED25519","tags":[],"note":""}`,
	}, func(r *model.AnnotateRequest) error { return r.Validate() })
}

func FuzzListQuery(f *testing.F) {
	fuzzDecode(f, []string{`{"mspId":"Org1MSP","signerId":"a","from":"2026-01-01T00:00:00Z","pageSize":5}`, `{"pageSize":-1}`},
		func(*model.ListQuery) error { return nil })
}

const hex64 = "8cb30fbfca205e554e9d9dc722f042da31c70d98c23a71223e894fd508c94fcb"

func FuzzBatchSignatureRequest(f *testing.F) {
	fuzzDecode(f, []string{
		`{"batchId":"b1","nonce":"00112233445566778899aabbccddeeff","certChainPem":"x","signature":"AAAA","algorithm":"ED25519","root":"` + hex64 +
			`","size":2,"items":[{"documentId":"d1","proof":{"index":0,"size":2,"path":["` + hex64 + `"]}}]}`,
		`{"batchId":"b1","size":0,"items":[]}`,
		`{"batchId":"b1","items":[{"documentId":"d1","proof":{"index":5,"size":2,"path":[]}}],"Items":[]}`,
	}, func(r *model.BatchSignatureRequest) error { return r.Validate() })
}
