package httpapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
)

// streamEvents serves a document's events as server-sent events: first the
// committed history after Last-Event-ID (the event's seq), then live events
// from the chaincode event listener, each once. Without a listener the
// stream ends after the history (asking EventSource to reconnect every
// batchStreamPoll).
func (s *Server) streamEvents(c echo.Context) error {
	id := c.Param("id")
	var live <-chan []byte
	if s.events != nil {
		ch, cancel := s.events.Subscribe(id)
		defer cancel()
		live = ch
	}
	// Subscribe before reading history so nothing falls between the two.
	h, err := s.svc.Provenance(c.Request().Context(), id)
	if err != nil {
		return err
	}
	last := -1
	if v := c.Request().Header.Get("Last-Event-ID"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			last = n
		}
	}
	w := startSSE(c)
	if s.events == nil {
		fmt.Fprintf(w, "retry: %d\n\n", batchStreamPoll.Milliseconds())
	}
	send := func(ev model.Event, block uint64) error {
		if ev.Seq <= last {
			return nil
		}
		last = ev.Seq
		b, _ := json.Marshal(map[string]any{"event": ev, "blockNumber": block})
		if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Type, b); err != nil {
			return err
		}
		w.Flush()
		return nil
	}
	for _, pe := range h.Events {
		if err := send(pe.Event, pe.BlockNumber); err != nil {
			return nil
		}
	}
	if s.events == nil {
		// No event hub: history only. The stream ends here, so an
		// EventSource reconnects (after the retry we set, with
		// Last-Event-ID) and a client that sees no more than the end
		// polls: never a stream that looks live and never delivers.
		return nil
	}
	fmt.Fprint(w, ": live\n\n")
	w.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	// A stream authorized by a session token ends when the token expires.
	var expired <-chan time.Time
	if exp, ok := c.Get(ctxKeyTokenExpiry).(time.Time); ok {
		t := time.NewTimer(exp.Sub(s.svc.Now()))
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-expired:
			fmt.Fprint(w, "event: expired\ndata: {}\n\n")
			w.Flush()
			return nil
		case <-c.Request().Context().Done():
			return nil
		case <-s.closing:
			return nil
		case <-ping.C:
			if keepAlive(w) != nil {
				return nil
			}
		case raw, ok := <-live:
			if !ok {
				// The hub dropped this slow subscriber: end the stream; the
				// client reconnects with Last-Event-ID and misses nothing.
				return nil
			}
			var msg struct {
				Event       model.Event `json:"event"`
				BlockNumber uint64      `json:"blockNumber"`
			}
			if json.Unmarshal(raw, &msg) == nil {
				if err := send(msg.Event, msg.BlockNumber); err != nil {
					return nil
				}
			}
		}
	}
}
