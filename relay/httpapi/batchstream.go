package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
)

// Batch streams re-read the batch at most this often, however fast its
// documents commit (a batch signature touches every document at once, and
// each re-read is one ledger query per document).
const batchStreamMinInterval = 500 * time.Millisecond

// batchStreamPoll is how often a relay without an event hub re-reads.
const batchStreamPoll = 5 * time.Second

// batchStreamSweep is how often a stream re-reads with a hub: expiries come
// without events (and a retried upload may register documents with a later
// expiry than the manifest's).
const batchStreamSweep = time.Minute

// streamBatch serves a batch's state as server-sent events: "batch" with the
// GET /v1/batches/{id} body at once and again whenever one of its documents
// commits an event (or its expiry passes), only when it changed; "done" once
// nothing can change (batchClosed), and the stream ends. State, not
// events, so a reconnect needs no Last-Event-ID: its first message is
// current.
func (s *Server) streamBatch(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	ids, err := s.svc.BatchDocumentIDs(id)
	if err != nil {
		return err
	}
	// Watch before the first read so no commit falls between the two.
	var changed <-chan struct{}
	every := batchStreamPoll
	if s.events != nil {
		ch, cancel := s.events.Watch(ids)
		defer cancel()
		changed, every = ch, batchStreamSweep
	}
	sweep := time.NewTicker(every)
	defer sweep.Stop()
	b, err := s.svc.GetBatch(ctx, id)
	if err != nil {
		return err
	}
	w := startSSE(c)
	seq := 0
	var last []byte
	send := func(b *api.Batch) error {
		body, err := json.Marshal(b)
		if err != nil || bytes.Equal(body, last) {
			return err
		}
		last = body
		seq++
		if _, err := fmt.Fprintf(w, "id: %d\nevent: batch\ndata: %s\n\n", seq, body); err != nil {
			return err
		}
		w.Flush()
		return nil
	}
	if err := send(b); err != nil {
		return nil
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	var expiry <-chan time.Time
	if d := b.ExpiresAt.Sub(s.svc.Now()); d > 0 {
		t := time.NewTimer(d + time.Second)
		defer t.Stop()
		expiry = t.C
	}
	lastRead := time.Now()
	for !batchClosed(b, s.svc.Now()) {
		select {
		case <-ctx.Done():
			return nil
		case <-s.closing:
			return nil
		case <-ping.C:
			if keepAlive(w) != nil {
				return nil
			}
			continue
		case <-changed:
		case <-sweep.C:
		case <-expiry:
		}
		if wait := batchStreamMinInterval - time.Since(lastRead); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil
			}
		}
		lastRead = time.Now()
		nb, err := s.svc.GetBatch(ctx, id)
		if err != nil {
			if ctx.Err() == nil { // not just the client leaving
				// The client reconnects; its first message will be current.
				s.log(c).Warn("batch stream re-read failed", "batch", id, "err", err)
			}
			return nil
		}
		b = nb
		if err := send(b); err != nil {
			return nil
		}
	}
	fmt.Fprint(w, "event: done\ndata: {}\n\n")
	w.Flush()
	return nil
}

// batchClosed reports whether nothing about b will change: every registered
// document is closed, and either all are registered or the batch expired (a
// registration cut short and never retried leaves the rest unregistered).
func batchClosed(b *api.Batch, now time.Time) bool {
	if !b.Complete && now.Before(b.ExpiresAt) {
		return false
	}
	for _, d := range b.Documents {
		if d.Registered && d.Status == model.StatusPending {
			return false
		}
	}
	return true
}

// keepAlive sends an SSE comment so proxies keep an idle stream open; an
// error means the client has gone.
func keepAlive(w *echo.Response) error {
	if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
		return err
	}
	w.Flush()
	return nil
}

// startSSE sends the headers of a server-sent event stream, which outlives
// the server's write timeout.
func startSSE(c echo.Context) *echo.Response {
	rc := http.NewResponseController(c.Response().Writer)
	_ = rc.SetWriteDeadline(time.Time{})
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return w
}
