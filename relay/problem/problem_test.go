package problem

import (
	"errors"
	"fmt"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
)

func TestStatusFollowsTheContractTable(t *testing.T) {
	for code, want := range map[model.Code]int{
		model.CodeInvalidField: 400, model.CodeBadRequest: 400, fault.CodeBatchInvalid: 400, fault.CodeCSRExtensions: 400,
		fault.CodeWebhookURLInvalid: 400, fault.CodeWebhookEventsInvalid: 400, fault.CodeWebhookBadState: 400,
		fault.CodeUnauthorized: 401, fault.CodeTokenInvalid: 401, fault.CodeEnrollRefused: 401, fault.CodeSessionRevoked: 401,
		model.CodeNotASigner: 403, model.CodeForbidden: 403, fault.CodeSessionScope: 403,
		model.CodeDocumentNotFound: 404, fault.CodeNotFound: 404, model.CodeCANotFound: 404, fault.CodeEnrollOff: 404,
		fault.CodeWebhookNotFound: 404, fault.CodeWebhookDeliveryNotFound: 404, fault.CodeMethodNotAllow: 405,
		model.CodeOutOfTurn: 409, model.CodeNonceReused: 409, model.CodeAlreadySigned: 409, model.CodeDocumentClosed: 409,
		model.CodeDocumentExists: 409, model.CodeCAExists: 409, fault.CodeLoginLocked: 409, fault.CodeWebhookNotDead: 409,
		fault.CodeWebhookLimit: 409, model.CodeDocumentExpired: 410, fault.CodeTokenExpired: 410,
		fault.CodePayloadTooLarge: 413, model.CodeBadSignature: 422, model.CodeBadCertificate: 422,
		model.CodeUntrustedChain: 422, model.CodeCertExpired: 422, model.CodeCertRevoked: 422,
		model.CodeUnknownAlgorithm: 422, model.CodeBadCRL: 422, fault.CodeHashMismatch: 422,
		fault.CodeEvidenceTooLarge: 422, fault.CodeRateLimited: 429, fault.CodeEvidenceUnsupported: 501,
		fault.CodeNotCommitted: 502, fault.CodeEnrollFailed: 502, fault.CodeEvidenceIncomplete: 502,
		fault.CodeUnavailable: 503, fault.CodeLoginBusy: 503, model.CodeInternal: 500, "NO_SUCH_CODE": 500,
		fault.CodeURITooLong: 414, fault.CodeExpectationRefused: 417, fault.CodeHeadersTooLarge: 431,
		fault.CodeTransferEncoding: 501, fault.CodeHTTPVersion: 505,
	} {
		if got := Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestOfKeepsChaincodeCodesAndHidesOtherCauses(t *testing.T) {
	p := Of(fault.From(fmt.Errorf("wrapped: %w", model.Errorf(model.CodeOutOfTurn, "routing order 1 has not finished"))), "r1")
	if p.Code != model.CodeOutOfTurn || p.Status != 409 || p.Detail != "routing order 1 has not finished" || p.RequestID != "r1" ||
		p.Title != "Conflict" || p.Type != TypeBase+"OUT_OF_TURN" {
		t.Fatalf("%+v", p)
	}
	secret := errors.New("open /etc/relay/key.pem: permission denied")
	e := fault.From(secret)
	if p := Of(e, ""); p.Code != model.CodeInternal || p.Detail != "internal error" || p.Status != 500 || !errors.Is(e, secret) {
		t.Fatalf("%+v", p)
	}
}
