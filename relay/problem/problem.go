// Package problem renders the relay's coded errors (relay/fault) as RFC 9457
// problem details (api.Problem) and holds the one code → HTTP status table.
package problem

import (
	"net/http"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/pades"
)

// TypeBase prefixes the type URI of each code.
const TypeBase = "https://qrsign.dev/problems/"

// statuses is the one code → status table (relay/README.md). A code not in
// it is a 500.
var statuses = map[model.Code]int{
	model.CodeInvalidField: http.StatusBadRequest, model.CodeBadRequest: http.StatusBadRequest,
	fault.CodeBatchInvalid: http.StatusBadRequest, fault.CodeCSRExtensions: http.StatusBadRequest,
	fault.CodeWebhookURLInvalid: http.StatusBadRequest, fault.CodeWebhookEventsInvalid: http.StatusBadRequest,
	fault.CodeWebhookBadState: http.StatusBadRequest,

	fault.CodeUnauthorized: http.StatusUnauthorized, fault.CodeTokenInvalid: http.StatusUnauthorized,
	fault.CodeEnrollRefused: http.StatusUnauthorized, fault.CodeSessionRevoked: http.StatusUnauthorized,

	model.CodeNotASigner: http.StatusForbidden, model.CodeForbidden: http.StatusForbidden,
	fault.CodeSessionScope: http.StatusForbidden, fault.CodeOrgNotMember: http.StatusForbidden,

	model.CodeDocumentNotFound: http.StatusNotFound, fault.CodeNotFound: http.StatusNotFound,
	model.CodeCANotFound: http.StatusNotFound, fault.CodeEnrollOff: http.StatusNotFound,
	fault.CodeWebhookNotFound: http.StatusNotFound, fault.CodeWebhookDeliveryNotFound: http.StatusNotFound,

	fault.CodeMethodNotAllow: http.StatusMethodNotAllowed,

	model.CodeOutOfTurn: http.StatusConflict, model.CodeNonceReused: http.StatusConflict,
	model.CodeAlreadySigned: http.StatusConflict, model.CodeDocumentClosed: http.StatusConflict,
	model.CodeDocumentExists: http.StatusConflict, model.CodeCAExists: http.StatusConflict,
	fault.CodeLoginLocked: http.StatusConflict, fault.CodeWebhookNotDead: http.StatusConflict,
	fault.CodeWebhookLimit: http.StatusConflict, model.CodeRevisionStale: http.StatusConflict,

	model.CodeDocumentExpired: http.StatusGone, fault.CodeTokenExpired: http.StatusGone,

	fault.CodePayloadTooLarge: http.StatusRequestEntityTooLarge, fault.CodeURITooLong: http.StatusRequestURITooLong,

	fault.CodeExpectationRefused: http.StatusExpectationFailed,
	fault.CodeRangeRefused:       http.StatusRequestedRangeNotSatisfiable,
	fault.CodeMediaType:          http.StatusUnsupportedMediaType,

	model.CodeBadSignature: http.StatusUnprocessableEntity, model.CodeBadCertificate: http.StatusUnprocessableEntity,
	model.CodeUntrustedChain: http.StatusUnprocessableEntity, model.CodeCertExpired: http.StatusUnprocessableEntity,
	model.CodeCertRevoked: http.StatusUnprocessableEntity, model.CodeUnknownAlgorithm: http.StatusUnprocessableEntity,
	model.CodeBadCRL: http.StatusUnprocessableEntity, fault.CodeHashMismatch: http.StatusUnprocessableEntity,
	fault.CodeEvidenceTooLarge:   http.StatusUnprocessableEntity,
	model.Code(pades.CodeNotPDF): http.StatusUnprocessableEntity, model.Code(pades.CodeUnsupported): http.StatusUnprocessableEntity,
	model.Code(pades.CodeBadSignature): http.StatusUnprocessableEntity, model.Code(pades.CodeNotAppended): http.StatusUnprocessableEntity,
	model.Code(pades.CodeIncrement): http.StatusUnprocessableEntity,

	fault.CodeRateLimited: http.StatusTooManyRequests, fault.CodeHeadersTooLarge: http.StatusRequestHeaderFieldsTooLarge,

	fault.CodeEvidenceUnsupported: http.StatusNotImplemented, fault.CodeTransferEncoding: http.StatusNotImplemented,

	fault.CodeNotCommitted: http.StatusBadGateway, fault.CodeEnrollFailed: http.StatusBadGateway,
	fault.CodeEvidenceIncomplete: http.StatusBadGateway,

	fault.CodeUnavailable: http.StatusServiceUnavailable, fault.CodeLoginBusy: http.StatusServiceUnavailable,

	fault.CodeHTTPVersion: http.StatusHTTPVersionNotSupported,
}

// Status is the HTTP status of a code.
func Status(code model.Code) int {
	if st, ok := statuses[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// Of renders a coded error; requestID ties it to the log line of its cause.
func Of(e *fault.Error, requestID string) *api.Problem {
	st := Status(e.Code)
	return &api.Problem{Type: TypeBase + string(e.Code), Title: http.StatusText(st), Status: st, Detail: e.Detail,
		Code: e.Code, RequestID: requestID, TxID: e.TxID, Errors: e.Errors, Batch: e.Batch}
}
