// Package service is the relay's domain logic, free of HTTP: registering
// documents, issuing signing sessions, turning scan callbacks into committed
// transactions (idempotently per nonce) and answering provenance. It depends
// on the network only through ledger.Ledger.
package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/oplog"
	"github.com/qrsign/qrsign/relay/session"
)

// Service holds the relay's collaborators.
type Service struct {
	Ledger    ledger.Ledger
	Blobs     blob.Store
	Sessions  *session.Issuer
	Channel   string
	PublicURL string
	Log       *slog.Logger
	Ops       *oplog.Log
	Now       func() time.Time
	// DefaultExpiry is how long a document stays signable when the upload names no expiry.
	DefaultExpiry time.Duration
	// MaxExpiry bounds an expiresAt an uploader names: a session must not
	// stay signable for years because a client typed a far year.
	MaxExpiry time.Duration
	// Observe, when set, is told how long each ledger write took (endorse to commit status).
	Observe func(op string, d time.Duration)
	// BatchDir holds batch manifests (dataDir/batches).
	BatchDir string
	// BatchConcurrency bounds parallel registrations of one batch (default 16).
	BatchConcurrency int
	// PDF, when set, makes PDF signatures (issue 13); nil: ledger signatures only.
	PDF *PDFSigning
	// TrustMaxAge bounds how long cached org trust serves scan pre-checks and
	// sign-in without a CA or CRL event (default DefaultTrustMaxAge).
	TrustMaxAge time.Duration

	trust    trustCache
	contents contentInfos
	flight   flight
	mu       sync.Mutex
	results  map[string]*api.CallbackResult // nonce → committed result, recent only
	order    []string
}

// New returns a service; fields may be adjusted before use.
func New(l ledger.Ledger, b blob.Store, s *session.Issuer, channel, publicURL string) *Service {
	return &Service{Ledger: l, Blobs: b, Sessions: s, Channel: channel, PublicURL: publicURL,
		Log: slog.Default(), Now: time.Now, DefaultExpiry: 7 * 24 * time.Hour, MaxExpiry: 366 * 24 * time.Hour, TrustMaxAge: DefaultTrustMaxAge,
		results: map[string]*api.CallbackResult{}}
}

// Ready is nil when the chaincode answers an evaluated Ping.
func (s *Service) Ready(ctx context.Context) error { return s.Ledger.Ping(ctx) }

func (s *Service) now() time.Time { return s.Now().UTC() }

// rememberResult keeps the last few thousand committed scan results so a
// retried callback is answered without asking the ledger.
func (s *Service) rememberResult(nonce string, r *api.CallbackResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.results[nonce]; !ok {
		s.order = append(s.order, nonce)
	}
	s.results[nonce] = r
	for len(s.order) > 4096 {
		delete(s.results, s.order[0])
		s.order = s.order[1:]
	}
}

func (s *Service) recalledResult(nonce string) *api.CallbackResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.results[nonce]
}

func (s *Service) observe(op string, start time.Time) {
	if s.Observe != nil {
		s.Observe(op, time.Since(start))
	}
}

// Caller is who asks, for the operation log, and the request's
// Idempotency-Key header (upload and batch ids derive from it).
type Caller struct {
	RequestID       string
	ClientRequestID string // the client's own X-Request-Id, logged apart from ours
	Who             string
	ClientIP        string
	IdempotencyKey  string
}

func (s *Service) op(c Caller, op, doc string, started time.Time, tx *ledger.Tx, err error) {
	s.opResult(c, op, doc, started, tx, err, "ok")
}

// opResult logs an operation; result is used when err is nil ("ok", "replayed").
func (s *Service) opResult(c Caller, op, doc string, started time.Time, tx *ledger.Tx, err error, result string) {
	e := oplog.Entry{RequestID: c.RequestID, ClientRequestID: c.ClientRequestID, Who: c.Who, ClientIP: c.ClientIP, Op: op, DocumentID: doc,
		Result: result, Millis: time.Since(started).Milliseconds()}
	if tx != nil && tx.TxID != "" {
		e.TxID = tx.TxID
		if tx.BlockNumber > 0 || tx.ValidationCode == "VALID" {
			b := tx.BlockNumber
			e.Block = &b
		}
	}
	if err != nil {
		e.Result = string(codeOf(err))
	}
	s.Ops.Write(e)
}

// flight collapses concurrent calls with the same key into one (a minimal
// singleflight). Only a success is shared: a waiter whose leader failed runs
// its own attempt, so a garbage callback raced in by someone who saw the QR
// cannot hand the real signer its error.
type flight struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  *api.CallbackResult
	err  error
}

func (f *flight) do(key string, fn func() (*api.CallbackResult, error)) (*api.CallbackResult, error, bool) {
	for {
		f.mu.Lock()
		if f.calls == nil {
			f.calls = map[string]*call{}
		}
		if c, ok := f.calls[key]; ok {
			f.mu.Unlock()
			<-c.done
			if c.err == nil {
				return c.val, nil, true
			}
			continue // the leader failed: try ourselves (or wait for a newer leader)
		}
		c := &call{done: make(chan struct{})}
		f.calls[key] = c
		f.mu.Unlock()
		func() {
			defer func() {
				f.mu.Lock()
				delete(f.calls, key)
				f.mu.Unlock()
				close(c.done)
			}()
			c.val, c.err = fn()
		}()
		return c.val, c.err, false
	}
}

// expiry is when a document or batch uploaded at now stops being signable:
// the named time, at most MaxExpiry ahead, else DefaultExpiry from now.
func (s *Service) expiry(named *time.Time, now time.Time) (time.Time, error) {
	if named == nil {
		return now.Add(s.DefaultExpiry).Truncate(time.Second), nil
	}
	if limit := now.Add(s.MaxExpiry); named.After(limit) {
		return time.Time{}, fault.Newf(model.CodeInvalidField, "expiresAt %s is more than %s ahead (at most %s)",
			named.UTC().Format(time.RFC3339), s.MaxExpiry, limit.UTC().Truncate(time.Second).Format(time.RFC3339))
	}
	return named.UTC(), nil
}
