package fault

import "github.com/qrsign/qrsign/chaincode/model"

// Codes the relay adds to the chaincode's (model.Code*, which pass
// through). relay/problem's table gives each its HTTP status; relay/README.md
// lists them.
const (
	CodeUnauthorized    model.Code = "UNAUTHORIZED"      // no or wrong API key (FORBIDDEN is model.CodeForbidden)
	CodeTokenInvalid    model.Code = "TOKEN_INVALID"     // malformed or forged session token
	CodeTokenExpired    model.Code = "TOKEN_EXPIRED"     // session token past its expiry
	CodePayloadTooLarge model.Code = "PAYLOAD_TOO_LARGE" // body over the limit
	CodeRateLimited     model.Code = "RATE_LIMITED"      // client over its request rate
	CodeUnavailable     model.Code = "UNAVAILABLE"       // network cannot endorse or order now; retry
	CodeNotFound        model.Code = "NOT_FOUND"         // no such route or resource
	CodeHashMismatch    model.Code = "HASH_MISMATCH"     // uploaded bytes do not match the declared sha256 or size
	CodeMethodNotAllow  model.Code = "METHOD_NOT_ALLOWED"
	CodeNotCommitted    model.Code = "NOT_COMMITTED"  // invalidated at commit for good (validation code in detail); do not retry
	CodeBatchInvalid    model.Code = "BATCH_INVALID"  // a batch upload with invalid documents (per-document errors listed)
	CodeOrgNotMember    model.Code = "ORG_NOT_MEMBER" // the relay's org is not (any more) a member of the channel; do not retry here

	// Requests refused at the HTTP edge, some before routing (relay/httpapi edge.go).
	CodeURITooLong         model.Code = "URI_TOO_LONG"                  // request target over the relay's limit
	CodeHeadersTooLarge    model.Code = "HEADERS_TOO_LARGE"             // request line and headers over the limit
	CodeTransferEncoding   model.Code = "TRANSFER_ENCODING_UNSUPPORTED" // a transfer coding other than chunked
	CodeHTTPVersion        model.Code = "HTTP_VERSION_UNSUPPORTED"      // not HTTP/1.x
	CodeExpectationRefused model.Code = "EXPECTATION_FAILED"            // an Expect other than 100-continue
	CodeRangeRefused       model.Code = "RANGE_NOT_SATISFIABLE"         // a Range the stored file cannot serve
	CodeMediaType          model.Code = "UNSUPPORTED_MEDIA_TYPE"        // a body of a type the route does not take

	// Sign-in (relay/login).
	CodeSessionScope   model.Code = "SESSION_SCOPE"   // a sign-in session used beyond its own signer's records
	CodeLoginBusy      model.Code = "LOGIN_BUSY"      // too many challenges or sessions open on this relay
	CodeLoginLocked    model.Code = "LOGIN_LOCKED"    // the challenge took too many refused callbacks and is burned
	CodeSessionRevoked model.Code = "SESSION_REVOKED" // the session's certificate is on its org's latest ledger CRL

	// Enrollment (POST /v1/enroll).
	CodeEnrollRefused model.Code = "ENROLL_REFUSED"  // the CA refused the id/secret (wrong, used up, unknown id)
	CodeEnrollFailed  model.Code = "ENROLL_FAILED"   // the CA answered something unusable
	CodeEnrollOff     model.Code = "ENROLL_DISABLED" // this relay has no Fabric CA configured
	// CodeCSRExtensions: the CSR names subject alternative names or requests
	// extensions. Fabric CA (cfssl) may copy a CSR's SANs into the
	// certificate, so a signer could obtain an org-CA certificate valid for a
	// host name, mail address or URI of their choosing.
	CodeCSRExtensions model.Code = "CSR_EXTENSIONS"

	// Evidence bundles (GET /v1/documents/{id}/evidence).
	CodeEvidenceIncomplete  model.Code = "EVIDENCE_INCOMPLETE"  // the ledger's answers do not make a consistent bundle
	CodeEvidenceUnsupported model.Code = "EVIDENCE_UNSUPPORTED" // this relay's ledger cannot read blocks
	CodeEvidenceTooLarge    model.Code = "EVIDENCE_TOO_LARGE"   // over the event or byte cap

	// Webhooks (relay/webhook).
	CodeWebhookURLInvalid       model.Code = "WEBHOOK_URL_INVALID"        // not http(s), credentials, host not allowed...
	CodeWebhookEventsInvalid    model.Code = "WEBHOOK_EVENTS_INVALID"     // unknown event type
	CodeWebhookNotFound         model.Code = "WEBHOOK_NOT_FOUND"          // no such subscription for this API key
	CodeWebhookDeliveryNotFound model.Code = "WEBHOOK_DELIVERY_NOT_FOUND" // no such delivery
	CodeWebhookNotDead          model.Code = "WEBHOOK_NOT_DEAD"           // replay of a delivery that is not a dead letter
	CodeWebhookLimit            model.Code = "WEBHOOK_LIMIT"              // too many subscriptions for this API key
	CodeWebhookBadState         model.Code = "WEBHOOK_STATE_INVALID"      // unknown ?state=
)
