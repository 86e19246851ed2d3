package webhook

import (
	"encoding/json"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// EventType is a webhook event type, as apps subscribe to it.
type EventType string

const (
	EventCompleted EventType = "document.completed"
	EventDeclined  EventType = "document.declined"
	EventVoided    EventType = "document.voided"
	EventExpired   EventType = "document.expired" // from the expiry sweep, not a ledger event
)

// AllEvents are the types a subscription gets when it names none.
var AllEvents = []EventType{EventCompleted, EventDeclined, EventVoided, EventExpired}

// ledgerTypes maps the ledger events that become webhooks.
var ledgerTypes = map[model.EventType]EventType{
	model.EventDocumentCompleted: EventCompleted,
	model.EventSignatureDeclined: EventDeclined,
	model.EventDocumentVoided:    EventVoided,
}

// Subscription is one registered callback URL of one API key.
type Subscription struct {
	ID         string      `json:"id"`
	APIKeyName string      `json:"apiKeyName"`
	URL        string      `json:"url"`
	Secret     string      `json:"secret,omitempty"` // HMAC key; shown to the app once, at registration
	Events     []EventType `json:"events"`
	CreatedAt  time.Time   `json:"createdAt"`
}

func (s *Subscription) wants(t EventType) bool {
	for _, e := range s.Events {
		if e == t {
			return true
		}
	}
	return false
}

// State is where a delivery is.
type State string

const (
	StatePending   State = "pending"   // waiting for its next attempt
	StateDelivered State = "delivered" // acknowledged with a 2xx
	StateDead      State = "dead"      // retries exhausted; replayable
)

// Delivery is one event for one subscription (an outbox entry or a dead letter).
type Delivery struct {
	ID             string          `json:"id"`
	SubscriptionID string          `json:"subscriptionId"`
	EventKey       string          `json:"eventKey"` // txId/seq, or expired/<documentId>; dedup with SubscriptionID
	EventType      EventType       `json:"eventType"`
	Body           json.RawMessage `json:"body"` // frozen at enqueue; what is signed and sent
	State          State           `json:"state"`
	Attempts       int             `json:"attempts"`
	CreatedAt      time.Time       `json:"createdAt"` // enqueued (or replayed): MaxAge counts from here
	NextAttempt    time.Time       `json:"nextAttempt"`
	LastError      string          `json:"lastError,omitempty"`
	DeliveredAt    *time.Time      `json:"deliveredAt,omitempty"`
}

// Payload is the JSON body POSTed to the callback URL.
type Payload struct {
	ID             string              `json:"id"` // the delivery id: stable across retries, use it to deduplicate
	Type           EventType           `json:"type"`
	SubscriptionID string              `json:"subscriptionId"`
	OccurredAt     time.Time           `json:"occurredAt"` // ledger tx timestamp, or the document's expiresAt
	DocumentID     string              `json:"documentId"`
	TxID           string              `json:"txId,omitempty"`
	Seq            int                 `json:"seq,omitempty"`
	Event          *model.Event        `json:"event,omitempty"`    // the ledger event (not for document.expired)
	Document       *model.DocumentView `json:"document,omitempty"` // the document as the relay saw it when enqueuing
}
