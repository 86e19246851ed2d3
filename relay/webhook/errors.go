package webhook

import "github.com/qrsign/qrsign/relay/fault"

// Codes of this package's errors (*fault.Error; relay/problem's table gives
// their statuses).
const (
	CodeURLInvalid       = fault.CodeWebhookURLInvalid       // 400: not http(s), credentials, host not allowed...
	CodeEventsInvalid    = fault.CodeWebhookEventsInvalid    // 400: unknown event type
	CodeNotFound         = fault.CodeWebhookNotFound         // 404: no such subscription for this API key
	CodeDeliveryNotFound = fault.CodeWebhookDeliveryNotFound // 404
	CodeNotDead          = fault.CodeWebhookNotDead          // 409: replay of a delivery that is not a dead letter
	CodeLimit            = fault.CodeWebhookLimit            // 409: too many subscriptions for this API key
	CodeBadState         = fault.CodeWebhookBadState         // 400: unknown ?state=
)
