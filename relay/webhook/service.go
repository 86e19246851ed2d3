package webhook

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
)

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	Store         Store    // required; OpenFileStore(filepath.Join(dataDir, "webhooks"), StoreOptions{Now: time.Now})
	AllowedHosts  []string // callback hosts admitted ("hooks.example.com", "*.example.com")
	AllowLoopback bool     // also admit localhost / 127.0.0.0/8 / ::1 (development, tests)

	MaxAttempts int           // attempts before a delivery is dead [10]
	MaxAge      time.Duration // a delivery older than this after a failed attempt is dead [24h]
	BaseBackoff time.Duration // delay after the first failure, doubling per attempt [5s]
	MaxBackoff  time.Duration // cap of the delay [1h]
	Timeout     time.Duration // per request [10s]
	MaxInFlight int           // concurrent requests [4]
	MaxPerKey   int           // subscriptions per API key [10]
	Poll        time.Duration // Run checks for due deliveries at least this often [1s]

	// ExpiryCheck, when set, is called every SweepInterval [1m] by Run; it
	// returns documents whose effective status is EXPIRED (e.g. ListPending
	// with status EXPIRED). Each becomes one document.expired per
	// subscription, deduplicated like ledger events. Documents that expired
	// more than the store's retention ago are ignored so they never repeat.
	ExpiryCheck   func(ctx context.Context) ([]model.DocumentView, error)
	SweepInterval time.Duration

	// Document, when set, is used by HandleChaincodeEvent to attach the
	// document to payloads (GetDocument). A failure is logged and the payload
	// goes without it: the event is never held back for it.
	Document func(ctx context.Context, id string) (*model.DocumentView, error)

	Client *http.Client     // [no proxy, no redirects, dials refused to internal addresses (dialGuard)]; a custom one must guard itself
	Now    func() time.Time // [time.Now]
	Jitter func() float64   // in [0,1) [math/rand/v2]
	Log    *slog.Logger     // [slog.Default()]
}

// Service registers subscriptions, turns events into deliveries and delivers them.
type Service struct {
	cfg  Config
	st   Store
	log  *slog.Logger
	wake chan struct{}
	sem  chan struct{} // one per request in flight

	mu       sync.Mutex      // guards inflight
	inflight map[string]bool // subscriptions with a delivery worker
	saveMu   sync.Mutex      // orders a recorded attempt against Replay of the same delivery
	subMu    sync.Mutex      // serialises Subscribe's limit check
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook: Config.Store is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defi := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defi(&cfg.MaxAttempts, 10)
	defi(&cfg.MaxInFlight, 4)
	defi(&cfg.MaxPerKey, 10)
	def(&cfg.MaxAge, 24*time.Hour)
	def(&cfg.BaseBackoff, 5*time.Second)
	def(&cfg.MaxBackoff, time.Hour)
	def(&cfg.Timeout, 10*time.Second)
	def(&cfg.Poll, time.Second)
	def(&cfg.SweepInterval, time.Minute)
	if cfg.Client == nil {
		cfg.Client = defaultClient(cfg.AllowLoopback)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{cfg: cfg, st: cfg.Store, log: cfg.Log, wake: make(chan struct{}, 1),
		sem: make(chan struct{}, cfg.MaxInFlight), inflight: map[string]bool{}}, nil
}

func newID(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := crand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + hex.EncodeToString(b)
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Subscribe registers url for apiKeyName's events (none = all). The
// returned subscription carries the secret; it is never shown again.
func (s *Service) Subscribe(apiKeyName, url string, events []EventType) (Subscription, error) {
	if err := checkURL(url, s.cfg.AllowedHosts, s.cfg.AllowLoopback); err != nil {
		return Subscription{}, err
	}
	evs, err := checkEvents(events)
	if err != nil {
		return Subscription{}, err
	}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	mine, err := s.List(apiKeyName)
	if err != nil {
		return Subscription{}, err
	}
	if len(mine) >= s.cfg.MaxPerKey {
		return Subscription{}, fault.New(CodeLimit, fmt.Sprintf("API key %q already has %d webhooks (the limit)", apiKeyName, len(mine)))
	}
	sub := Subscription{ID: newID("wh_", 12), APIKeyName: apiKeyName, URL: url, Secret: newID("whsec_", 32),
		Events: evs, CreatedAt: s.cfg.Now().UTC()}
	if err := s.st.SaveSubscription(sub); err != nil {
		return Subscription{}, err
	}
	return sub, nil
}

func checkEvents(events []EventType) ([]EventType, error) {
	if len(events) == 0 {
		return append([]EventType(nil), AllEvents...), nil
	}
	var out []EventType
	seen := map[EventType]bool{}
	for _, e := range events {
		known := false
		for _, a := range AllEvents {
			known = known || a == e
		}
		if !known {
			names := make([]string, len(AllEvents))
			for i, a := range AllEvents {
				names[i] = string(a)
			}
			return nil, fault.New(CodeEventsInvalid, fmt.Sprintf("unknown event type %q (want %s)", e, strings.Join(names, ", ")))
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// subscription returns apiKeyName's subscription id, or WEBHOOK_NOT_FOUND
// (also for another key's subscription: ids do not leak across keys).
func (s *Service) subscription(apiKeyName, id string) (Subscription, error) {
	subs, err := s.st.Subscriptions()
	if err != nil {
		return Subscription{}, err
	}
	for _, sub := range subs {
		if sub.ID == id && sub.APIKeyName == apiKeyName {
			return sub, nil
		}
	}
	return Subscription{}, fault.New(CodeNotFound, fmt.Sprintf("no webhook %q for this API key", id))
}

// Unsubscribe deletes a subscription with its pending deliveries and dead letters.
func (s *Service) Unsubscribe(apiKeyName, id string) error {
	if _, err := s.subscription(apiKeyName, id); err != nil {
		return err
	}
	return s.st.DeleteSubscription(id)
}

// List returns apiKeyName's subscriptions, without secrets.
func (s *Service) List(apiKeyName string) ([]Subscription, error) {
	subs, err := s.st.Subscriptions()
	if err != nil {
		return nil, err
	}
	out := []Subscription{}
	for _, sub := range subs {
		if sub.APIKeyName == apiKeyName {
			sub.Secret = ""
			out = append(out, sub)
		}
	}
	return out, nil
}

// Deliveries lists a subscription's deliveries in state ("" = any).
func (s *Service) Deliveries(apiKeyName, subID string, state State) ([]Delivery, error) {
	switch state {
	case "", StatePending, StateDelivered, StateDead:
	default:
		return nil, fault.New(CodeBadState, fmt.Sprintf("unknown state %q (want pending, delivered or dead)", state))
	}
	if _, err := s.subscription(apiKeyName, subID); err != nil {
		return nil, err
	}
	return s.st.Deliveries(subID, state)
}

// Replay puts a dead letter back in the outbox with a fresh attempt budget.
func (s *Service) Replay(apiKeyName, subID, deliveryID string) (Delivery, error) {
	if _, err := s.subscription(apiKeyName, subID); err != nil {
		return Delivery{}, err
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	d, ok, err := s.st.Delivery(deliveryID)
	if err != nil {
		return Delivery{}, err
	}
	if !ok || d.SubscriptionID != subID {
		return Delivery{}, fault.New(CodeDeliveryNotFound, fmt.Sprintf("no delivery %q for webhook %q", deliveryID, subID))
	}
	if d.State != StateDead {
		return Delivery{}, fault.New(CodeNotDead, fmt.Sprintf("delivery %q is %s, not dead", deliveryID, d.State))
	}
	now := s.cfg.Now().UTC()
	d.State, d.Attempts, d.CreatedAt, d.NextAttempt = StatePending, 0, now, now
	if err := s.st.SaveDelivery(d); err != nil {
		return Delivery{}, err
	}
	s.poke()
	return d, nil
}

// Enqueue turns ledger events of one transaction into deliveries, durably:
// when it returns nil they are in the outbox (the relay may advance its event
// checkpoint). doc is the document they concern (may be nil). Events the
// webhooks do not carry are ignored; an event a subscription already has
// (same txId and seq) is dropped, so re-feeding after a restart is safe. A
// subscription gets only events dated at or after its creation.
func (s *Service) Enqueue(events []model.Event, doc *model.DocumentView) (int, error) {
	subs, err := s.st.Subscriptions()
	if err != nil {
		return 0, err
	}
	now := s.cfg.Now().UTC()
	var ds []Delivery
	for i := range events {
		ev := events[i]
		if ev.Type == model.EventDocumentRegistered && ev.Registered != nil && !ev.Registered.ExpiresAt.IsZero() {
			if err := s.st.Watch(ev.DocumentID, ev.Registered.ExpiresAt); err != nil {
				return 0, err
			}
		}
		t, ok := ledgerTypes[ev.Type]
		if !ok || ev.DocumentID == "" {
			continue
		}
		if err := s.st.Unwatch(ev.DocumentID); err != nil { // closed: it will not expire
			return 0, err
		}
		key := fmt.Sprintf("%s/%d", ev.TxID, ev.Seq)
		for _, sub := range subs {
			if !sub.wants(t) || (!ev.Timestamp.IsZero() && ev.Timestamp.Before(sub.CreatedAt)) {
				continue
			}
			p := Payload{Type: t, SubscriptionID: sub.ID, OccurredAt: ev.Timestamp, DocumentID: ev.DocumentID,
				TxID: ev.TxID, Seq: ev.Seq, Event: &ev, Document: docFor(doc, ev.DocumentID)}
			ds = append(ds, s.delivery(sub, key, p, now))
		}
	}
	return s.add(ds)
}

func docFor(doc *model.DocumentView, id string) *model.DocumentView {
	if doc != nil && doc.ID == id {
		return doc
	}
	return nil
}

func (s *Service) delivery(sub Subscription, key string, p Payload, now time.Time) Delivery {
	p.ID = newID("dlv_", 12)
	body, _ := json.Marshal(p)
	return Delivery{ID: p.ID, SubscriptionID: sub.ID, EventKey: key, EventType: p.Type, Body: body,
		State: StatePending, CreatedAt: now, NextAttempt: now}
}

func (s *Service) add(ds []Delivery) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	added, err := s.st.AddDeliveries(ds)
	if err != nil {
		return 0, err
	}
	if len(added) > 0 {
		s.poke()
	}
	return len(added), nil
}

// HandleChaincodeEvent enqueues one "qrsign.events" chaincode event (payload
// = JSON array of model.Event). Call it before checkpointing the event; an
// error means nothing durable happened and the event must not be
// checkpointed (a later re-feed is deduplicated either way).
func (s *Service) HandleChaincodeEvent(ctx context.Context, txID string, payload []byte) error {
	var evs []model.Event
	if err := json.Unmarshal(payload, &evs); err != nil {
		s.log.Warn("webhook: chaincode event payload unparsable", "tx", txID, "err", err)
		return nil // re-feeding would not help
	}
	var docID string
	relevant := false
	for _, ev := range evs {
		if _, ok := ledgerTypes[ev.Type]; ok && ev.DocumentID != "" {
			docID = ev.DocumentID
		}
		relevant = relevant || ev.Type == model.EventDocumentRegistered || docID != ""
	}
	if !relevant {
		return nil
	}
	var doc *model.DocumentView
	if s.cfg.Document != nil && docID != "" {
		d, err := s.cfg.Document(ctx, docID)
		if err != nil {
			s.log.Warn("webhook: document lookup failed; delivering the event without it", "doc", docID, "err", err)
		} else {
			doc = d
		}
	}
	_, err := s.Enqueue(evs, doc)
	return err
}

// Sweep enqueues document.expired for documents past their expiry (Run
// calls it every SweepInterval). It knows the documents whose
// DocumentRegistered event it was fed and that no completion, decline or
// void has closed since; with Config.Document it confirms each with the
// ledger first (a lookup failure leaves it for the next sweep). ExpiryCheck,
// when set, adds documents the event stream never showed (e.g. registered
// before the relay first ran).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	watches, err := s.st.Watches()
	if err != nil {
		return 0, err
	}
	ids := make([]string, 0, len(watches))
	for id, at := range watches {
		if !at.After(now) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var docs []model.DocumentView
	var settled []string
	for _, id := range ids {
		dv := &model.DocumentView{Document: model.Document{ID: id, Status: model.StatusPending, ExpiresAt: watches[id]}}
		if s.cfg.Document != nil {
			d, err := s.cfg.Document(ctx, id)
			if code, _ := model.CodeOf(err); err != nil && code != model.CodeDocumentNotFound {
				s.log.Warn("webhook: document lookup for expiry failed; next sweep retries", "doc", id, "err", err)
				continue
			}
			dv = d // nil when not found: forgotten below
			if dv != nil && dv.Status == model.StatusPending && dv.ExpiresAt.After(now) {
				continue // not yet expired after all: keep watching
			}
		}
		if dv != nil {
			docs = append(docs, *dv)
		}
		settled = append(settled, id)
	}
	if s.cfg.ExpiryCheck != nil {
		more, err := s.cfg.ExpiryCheck(ctx)
		if err != nil {
			return 0, err
		}
		docs = append(docs, more...)
	}
	n, err := s.EnqueueExpired(docs)
	if err != nil {
		return 0, err
	}
	for _, id := range settled {
		if err := s.st.Unwatch(id); err != nil {
			return n, err
		}
	}
	return n, nil
}

// EnqueueExpired enqueues document.expired for docs that are expired, once
// per document and subscription.
func (s *Service) EnqueueExpired(docs []model.DocumentView) (int, error) {
	subs, err := s.st.Subscriptions()
	if err != nil {
		return 0, err
	}
	now := s.cfg.Now().UTC()
	retention := DefaultRetention
	if fs, ok := s.st.(*FileStore); ok {
		retention = fs.retention
	}
	var ds []Delivery
	for i := range docs {
		d := docs[i]
		if d.Status != model.StatusPending || d.ExpiresAt.IsZero() || d.ExpiresAt.After(now) || now.Sub(d.ExpiresAt) > retention {
			continue
		}
		d.EffectiveStatus = model.StatusExpired
		for _, sub := range subs {
			if !sub.wants(EventExpired) || d.ExpiresAt.Before(sub.CreatedAt) {
				continue
			}
			p := Payload{Type: EventExpired, SubscriptionID: sub.ID, OccurredAt: d.ExpiresAt, DocumentID: d.ID, Document: &d}
			ds = append(ds, s.delivery(sub, "expired/"+d.ID, p, now))
		}
	}
	return s.add(ds)
}
