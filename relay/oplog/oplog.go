// Package oplog writes the relay's operation log: one JSON line per
// operation that changes or tries to change the ledger (who, what, result, tx
// id). It never holds secrets: no API keys, tokens, signatures or keys.
package oplog

import (
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"
)

// Entry is one operation.
type Entry struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	// ClientRequestID is the X-Request-Id the client sent (well-formed ones
	// only): its own correlation, never the relay's requestId.
	ClientRequestID string  `json:"clientRequestId,omitempty"`
	Who             string  `json:"who"` // API key name, or signer mspId/id for callbacks
	ClientIP        string  `json:"clientIp,omitempty"`
	Op              string  `json:"op"` // register, sign, decline
	DocumentID      string  `json:"documentId,omitempty"`
	Result          string  `json:"result"` // ok, replayed, or the error code
	TxID            string  `json:"txId,omitempty"`
	Block           *uint64 `json:"block,omitempty"`
	Millis          int64   `json:"ms"`
}

// Log appends entries to a writer.
type Log struct {
	mu sync.Mutex
	w  io.Writer
	c  io.Closer
}

// Open appends to the file at path (created 0600).
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &Log{w: f, c: f}, nil
}

// New writes to w.
func New(w io.Writer) *Log { return &Log{w: w} }

// Write appends e as one line. Errors are dropped: the log must not fail a request.
func (l *Log) Write(e Entry) {
	if l == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	b, _ := json.Marshal(e)
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(b)
}

// Close closes the file.
func (l *Log) Close() error {
	if l == nil || l.c == nil {
		return nil
	}
	return l.c.Close()
}
