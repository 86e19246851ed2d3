package webhook

import (
	"net/http"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/problem"
)

// Codes of this package's errors. They are *problem.Problem values with the
// status set here, so the relay renders them like its own.
const (
	CodeURLInvalid       model.Code = "WEBHOOK_URL_INVALID"        // 400: not http(s), credentials, host not allowed...
	CodeEventsInvalid    model.Code = "WEBHOOK_EVENTS_INVALID"     // 400: unknown event type
	CodeNotFound         model.Code = "WEBHOOK_NOT_FOUND"          // 404: no such subscription for this API key
	CodeDeliveryNotFound model.Code = "WEBHOOK_DELIVERY_NOT_FOUND" // 404
	CodeNotDead          model.Code = "WEBHOOK_NOT_DEAD"           // 409: replay of a delivery that is not a dead letter
	CodeLimit            model.Code = "WEBHOOK_LIMIT"              // 409: too many subscriptions for this API key
	CodeBadState         model.Code = "WEBHOOK_STATE_INVALID"      // 400: unknown ?state=
)

var statusOf = map[model.Code]int{
	CodeURLInvalid: http.StatusBadRequest, CodeEventsInvalid: http.StatusBadRequest, CodeBadState: http.StatusBadRequest,
	CodeNotFound: http.StatusNotFound, CodeDeliveryNotFound: http.StatusNotFound,
	CodeNotDead: http.StatusConflict, CodeLimit: http.StatusConflict,
	model.CodeBadRequest: http.StatusBadRequest,
}

func newProblem(code model.Code, detail string) *problem.Problem {
	p := problem.New(code, detail)
	if st, ok := statusOf[code]; ok {
		p.Status, p.Title = st, http.StatusText(st)
	}
	return p
}
