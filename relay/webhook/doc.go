// Package webhook delivers document outcomes to apps: an app registers a
// callback URL per API key and receives document.completed,
// document.declined, document.voided and document.expired as signed JSON
// POSTs, at least once, with bounded jittered exponential retries, a
// dead-letter list it can read and replay, and an outbox that survives a
// relay restart.
//
// # Wiring (relay/cmd/relay and relay/httpapi)
//
//	st, err := webhook.OpenFileStore(filepath.Join(cfg.DataDir, "webhooks"), webhook.StoreOptions{Now: time.Now}) // journal.jsonl, 0600 (holds secrets)
//	// err names the file and line of a damaged journal line (only a torn last
//	// line, without its newline, is ignored): the relay refuses to start
//	// rather than compact the line, and what it held, away.
//	defer st.Close()
//	wh, err := webhook.New(webhook.Config{
//		Store:         st,
//		AllowedHosts:  []string{"hooks.example.com", "*.apps.example.com"}, // from config; empty = none
//		AllowLoopback: false, // true only for development / tests
//		Document:      gw.GetDocument, // payloads carry the DocumentView; confirms expiries
//		// ExpiryCheck: optional extra source of expired documents (see Expiry)
//		Log: log,
//	})
//	done := make(chan error, 1)
//	go func() { done <- wh.Run(ctx) }() // returns once ctx ended and in-flight requests stopped
//	... on shutdown: <-done, then st.Close()
//
// Routes (Echo; the relay's auth middleware sets the key name, e.g. caller(c)):
//
//	webhook.Register(e, wh, caller, s.requireScope(config.ScopeWrite), bodyLimit(cfg.MaxJSONBytes))
//
// registers
//
//	POST   /v1/webhooks                                       {url, events?} → 201 {id, url, events, secret, createdAt}
//	GET    /v1/webhooks                                       → 200 {"webhooks": [...]} (no secrets)
//	DELETE /v1/webhooks/{id}                                  → 204
//	GET    /v1/webhooks/{id}/deliveries?state=pending|delivered|dead → 200 {"deliveries": [...]}
//	POST   /v1/webhooks/{id}/deliveries/{deliveryId}/replay   → 202 the delivery, pending again
//
// Another router can call Handlers' methods directly: each takes the API key
// name and returns (status, value, error). Errors are *fault.Error; relay/problem's
// table gives their statuses (WEBHOOK_URL_INVALID 400, WEBHOOK_EVENTS_INVALID 400,
// WEBHOOK_STATE_INVALID 400, BAD_REQUEST 400, WEBHOOK_NOT_FOUND 404,
// WEBHOOK_DELIVERY_NOT_FOUND 404, WEBHOOK_NOT_DEAD 409, WEBHOOK_LIMIT 409);
// fault.From passes them through unchanged. A subscription of another API
// key is WEBHOOK_NOT_FOUND.
//
// Feeding chaincode events: in relay/events, for each "qrsign.events" event,
// call wh.HandleChaincodeEvent(ctx, ev.TransactionID, ev.Payload) BEFORE
// cp.CheckpointChaincodeEvent(ev), and do not checkpoint when it returns an
// error (it returns nil once the deliveries are fsynced in the outbox). After
// a restart the event stream resumes from the checkpoint; an event fed twice
// is deduplicated by (subscription, txId, seq). Enqueue(events, doc) is the
// same without the document lookup.
//
// # Expiry
//
// Expiry is not a ledger event; it is detected by a sweep Run makes every
// SweepInterval (default 1 min). The sweep watches every document whose
// DocumentRegistered event it was fed (durably, with its expiresAt) until a
// completion, decline or void is fed; once expiresAt has passed it confirms
// with Config.Document that the document is still pending (so a lagging
// event stream cannot cause a false expiry) and enqueues one
// document.expired per subscription, deduplicated by (subscription,
// "expired/"+documentId). Documents registered before the relay first
// followed events are covered only if Config.ExpiryCheck lists them.
//
// # Delivery
//
// POST <url>, Content-Type application/json, body Payload (id = delivery id,
// stable across retries), headers Qrsign-Event, Qrsign-Delivery and
// Qrsign-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>,
// signed afresh on every attempt. Only a 2xx acknowledges; redirects are not
// followed (an allowed host cannot bounce a delivery inside the network), no
// proxy is used, and the default client refuses to dial, by the address DNS
// actually gave, loopback (unless AllowLoopback), private, link-local
// (169.254.169.254), unspecified, multicast and CGNAT addresses, IPv4-mapped
// too: an allowlisted name resolving (or rebinding) inward fails the attempt
// with "refusing to dial <ip>: <kind> address".
// After the n-th failure the next attempt waits BaseBackoff·2^(n-1) capped at
// MaxBackoff, half of it random. A delivery that failed MaxAttempts times, or
// whose last failure came MaxAge after it was enqueued, becomes dead; replay
// resets its attempts and age. At most MaxInFlight requests run at once,
// each limited to Timeout; each subscription has at most one request in
// flight and gets its deliveries oldest first, so a hanging receiver holds
// one slot and delays only its own events. Subscriptions get events dated at or after their
// creation; all subscriptions of the relay see events of every document on
// its channel (as an API key with documents:read can read every document).
//
// # For app developers
//
// Verify the raw body before parsing it, then deduplicate on the delivery id:
//
//	err := webhook.Verify(secret, r.Header.Get("Qrsign-Signature"), body, time.Now(), 5*time.Minute)
package webhook
