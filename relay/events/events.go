// Package events follows the chaincode's events ("qrsign.events") and fans
// them out to subscribers per document. Its position is checkpointed in a
// file under the data directory, so a restarted relay resumes after the last
// event it handled and misses none.
package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Hub distributes document events to subscribers.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[chan []byte]struct{}
	// watch holds Watch's change signals per document.
	watch map[string]map[chan struct{}]struct{}
	// OnCommit is told where each transaction with events committed.
	OnCommit func(txID string, block uint64)
	// Durable, when set, gets every qrsign event before its position is
	// checkpointed (the webhook outbox); an error stops the stream without
	// checkpointing, so the event comes again after the reconnect.
	Durable func(ctx context.Context, txID string, payload []byte) error
	Log     *slog.Logger

	seen      atomic.Uint64 // chaincode events handled
	lastBlock atomic.Uint64 // block of the last one
	first     atomic.Uint64 // block of the first one since start (+1, 0 = none yet)
}

// FirstBlock is the block of the first chaincode event handled since start:
// after a restart, at or before the first block the relay missed.
func (h *Hub) FirstBlock() (uint64, bool) {
	f := h.first.Load()
	return f - 1, f > 0
}

// Stats returns how many chaincode events were handled and the block of the last.
func (h *Hub) Stats() (events, lastBlock uint64) { return h.seen.Load(), h.lastBlock.Load() }

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[string]map[chan []byte]struct{}{}, watch: map[string]map[chan struct{}]struct{}{}, Log: slog.Default()}
}

// Watch returns a channel that signals when any of docIDs gets an event. It
// carries no events, only "something changed": signals coalesce (buffer 1),
// so a watcher of a 500-document batch that one transaction signs wakes once
// and is never dropped. The watcher re-reads the state it shows.
func (h *Hub) Watch(docIDs []string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	for _, id := range docIDs {
		if h.watch[id] == nil {
			h.watch[id] = map[chan struct{}]struct{}{}
		}
		h.watch[id][ch] = struct{}{}
	}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		for _, id := range docIDs {
			delete(h.watch[id], ch)
			if len(h.watch[id]) == 0 {
				delete(h.watch, id)
			}
		}
		h.mu.Unlock()
	}
}

// Subscribe returns a channel of JSON messages {"event","blockNumber"} for docID.
// A subscriber whose buffer is full is dropped and its channel closed rather
// than stalling the hub or losing messages silently: the SSE stream ends and
// the client reconnects with Last-Event-ID, replaying from the ledger.
func (h *Hub) Subscribe(docID string) (<-chan []byte, func()) {
	ch := make(chan []byte, 64)
	h.mu.Lock()
	if h.subs[docID] == nil {
		h.subs[docID] = map[chan []byte]struct{}{}
	}
	h.subs[docID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[docID], ch)
		if len(h.subs[docID]) == 0 {
			delete(h.subs, docID)
		}
		h.mu.Unlock()
	}
}

// Publish hands one chaincode event payload (JSON array of model.Event) to subscribers.
func (h *Hub) Publish(block uint64, txID string, payload []byte) {
	h.seen.Add(1)
	h.lastBlock.Store(block)
	h.first.CompareAndSwap(0, block+1)
	if h.OnCommit != nil {
		h.OnCommit(txID, block)
	}
	var evs []model.Event
	if err := json.Unmarshal(payload, &evs); err != nil {
		h.Log.Warn("chaincode event payload unparsable", "tx", txID, "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range evs {
		if ev.DocumentID == "" {
			continue
		}
		b, _ := json.Marshal(map[string]any{"event": ev, "blockNumber": block})
		for ch := range h.subs[ev.DocumentID] {
			select {
			case ch <- b:
			default:
				delete(h.subs[ev.DocumentID], ch)
				close(ch)
				h.Log.Info("slow event subscriber dropped", "document", ev.DocumentID)
			}
		}
		if len(h.subs[ev.DocumentID]) == 0 {
			delete(h.subs, ev.DocumentID)
		}
		for ch := range h.watch[ev.DocumentID] {
			select {
			case ch <- struct{}{}:
			default: // already signalled
			}
		}
	}
}

// Follow reads chaincode events from the network until ctx ends,
// reconnecting with backoff, resuming from the checkpoint file at path.
func (h *Hub) Follow(ctx context.Context, network *client.Network, chaincode, path string) error {
	return h.FollowSource(ctx, fixed{network}, chaincode, path)
}

// FollowSource is Follow over the network src gives at each (re)connection:
// when a stream ends, src is told, and if it then gives another network
// (another peer) the hub resumes there at once from the checkpoint.
func (h *Hub) FollowSource(ctx context.Context, src Source, chaincode, path string) error {
	cp, err := client.NewFileCheckpointer(path)
	if err != nil {
		h.Log.Error("event checkpoint", "err", err)
		return err
	}
	defer cp.Close()
	backoff := time.Second
	for ctx.Err() == nil {
		nw := src.Network()
		err := h.followOnce(ctx, nw, chaincode, cp, func() bool { return src.Network() != nw })
		if ctx.Err() != nil {
			return nil
		}
		if err != errMoved {
			src.StreamFailed(nw, err)
		}
		if src.Network() != nw {
			h.Log.Warn("chaincode events interrupted; resuming on another peer", "err", err)
			backoff = time.Second
			continue
		}
		h.Log.Warn("chaincode events interrupted; reconnecting", "err", err, "after", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		if backoff < 30*time.Second {
			backoff *= 2
		}
	}
	return nil
}

// followOnce reads one stream until it ends or moved says the source now
// gives another network (its peer was left: a frozen peer keeps the stream
// open without sending anything).
func (h *Hub) followOnce(ctx context.Context, network *client.Network, chaincode string, cp *client.FileCheckpointer, moved func() bool) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := network.ChaincodeEvents(sctx, chaincode, client.WithCheckpoint(cp))
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var ev *client.ChaincodeEvent
		var ok bool
		select {
		case ev, ok = <-ch:
		case <-tick.C:
			if moved() {
				return errMoved
			}
			continue
		}
		if !ok {
			break
		}
		if ev.EventName == model.ChaincodeEventName {
			h.Publish(ev.BlockNumber, ev.TransactionID, ev.Payload)
			if h.Durable != nil {
				if err := h.Durable(ctx, ev.TransactionID, ev.Payload); err != nil {
					return err
				}
			}
		}
		if err := cp.CheckpointChaincodeEvent(ev); err != nil {
			return err
		}
	}
	return errStreamEnded
}
