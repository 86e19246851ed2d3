package problem

import (
	"errors"
	"fmt"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestStatusFollowsTheContractTable(t *testing.T) {
	for code, want := range map[model.Code]int{
		model.CodeInvalidField: 400, model.CodeBadRequest: 400, CodeUnauthorized: 401, CodeTokenInvalid: 401,
		model.CodeNotASigner: 403, model.CodeDocumentNotFound: 404, model.CodeOutOfTurn: 409, model.CodeNonceReused: 409,
		model.CodeAlreadySigned: 409, model.CodeDocumentClosed: 409, model.CodeDocumentExists: 409,
		model.CodeDocumentExpired: 410, CodeTokenExpired: 410, CodePayloadTooLarge: 413, model.CodeBadSignature: 422,
		model.CodeBadCertificate: 422, model.CodeUntrustedChain: 422, model.CodeCertExpired: 422, model.CodeCertRevoked: 422,
		CodeHashMismatch: 422, CodeRateLimited: 429, CodeUnavailable: 503, model.CodeInternal: 500,
	} {
		if got := Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestFromKeepsChaincodeCodesAndHidesOtherCauses(t *testing.T) {
	p := From(fmt.Errorf("wrapped: %w", model.Errorf(model.CodeOutOfTurn, "routing order 1 has not finished")))
	if p.Code != model.CodeOutOfTurn || p.Status != 409 || p.Detail != "routing order 1 has not finished" {
		t.Fatalf("%+v", p)
	}
	secret := errors.New("open /etc/relay/key.pem: permission denied")
	p = From(secret)
	if p.Code != model.CodeInternal || p.Detail != "internal error" || !errors.Is(p, secret) {
		t.Fatalf("%+v", p)
	}
}
