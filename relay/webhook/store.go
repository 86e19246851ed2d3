package webhook

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Store holds subscriptions and deliveries durably: when a method returns
// nil, what it wrote survives a crash.
type Store interface {
	SaveSubscription(Subscription) error
	// DeleteSubscription removes a subscription and all its deliveries.
	DeleteSubscription(id string) error
	Subscriptions() ([]Subscription, error)
	// AddDeliveries stores the deliveries whose (SubscriptionID, EventKey) is
	// not stored yet and returns them; the others are duplicates, dropped.
	AddDeliveries([]Delivery) ([]Delivery, error)
	// SaveDelivery replaces a stored delivery (same ID).
	SaveDelivery(Delivery) error
	Delivery(id string) (Delivery, bool, error)
	// Deliveries lists deliveries of subscription subID ("" = all) in state
	// ("" = any), oldest first.
	Deliveries(subID string, state State) ([]Delivery, error)
	// Watch records a pending document's expiry (for document.expired);
	// Unwatch forgets it (closed, or expiry sent).
	Watch(docID string, expiresAt time.Time) error
	Unwatch(docID string) error
	Watches() (map[string]time.Time, error)
	Close() error
}

// FileStore is a Store in one directory: an append-only JSON-lines journal
// (journal.jsonl, each append fsynced) replayed into memory at open, and
// compacted (temp file, fsync, rename, fsync dir) at open and when it holds
// more than twice the live records. A torn last line (crash mid-append, no
// newline) is ignored: its append never returned nil. Any other damaged line
// makes OpenFileStore fail with the file and line number, rather than the
// compaction silently erasing what it held. Delivered deliveries are kept for
// Retention after delivery so re-fed events stay deduplicated, then dropped
// at compaction.
type FileStore struct {
	dir       string
	retention time.Duration
	now       func() time.Time

	mu      sync.Mutex
	f       *os.File
	records int // lines in the journal
	subs    map[string]Subscription
	dels    map[string]Delivery
	keys    map[string]string // subID \x00 eventKey -> delivery id
	seq     map[string]int    // delivery id -> insertion order
	watches map[string]time.Time
	next    int
	closed  bool
}

type record struct {
	Op       string        `json:"op"` // sub, unsub, del, watch, unwatch
	Sub      *Subscription `json:"sub,omitempty"`
	ID       string        `json:"id,omitempty"`
	Delivery *Delivery     `json:"delivery,omitempty"`
	Expires  *time.Time    `json:"expires,omitempty"`
}

const journalName = "journal.jsonl"

// StoreOptions are what a FileStore judges age by. The clock is required and
// set before the journal is read: opening compacts, and compaction drops
// delivered entries by age, so a store opened with one clock and read with
// another would have already judged by the wrong one.
type StoreOptions struct {
	Now       func() time.Time // required (time.Now in the relay, a fixed clock in tests)
	Retention time.Duration    // how long delivered entries stay for deduplication [DefaultRetention]
}

// DefaultRetention keeps delivered entries a week: longer than any re-feed of
// events a relay restart can cause.
const DefaultRetention = 7 * 24 * time.Hour

// OpenFileStore opens (creating 0700) dir, e.g. filepath.Join(dataDir, "webhooks").
func OpenFileStore(dir string, opt StoreOptions) (*FileStore, error) {
	if opt.Now == nil {
		return nil, errors.New("webhook store: StoreOptions.Now is required")
	}
	if opt.Retention < 0 {
		return nil, fmt.Errorf("webhook store: negative retention %v", opt.Retention)
	}
	if opt.Retention == 0 {
		opt.Retention = DefaultRetention
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &FileStore{dir: dir, retention: opt.Retention, now: opt.Now, subs: map[string]Subscription{},
		dels: map[string]Delivery{}, keys: map[string]string{}, seq: map[string]int{}, watches: map[string]time.Time{}}
	b, err := os.ReadFile(filepath.Join(dir, journalName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := s.replay(filepath.Join(dir, journalName), b); err != nil {
		return nil, err
	}
	if err := s.compact(); err != nil {
		return nil, err
	}
	return s, nil
}

// replay applies the journal's lines. Only a last line without its newline
// may be unreadable (a crash mid-append, whose append never returned nil); any
// other damaged line is an error, since the compaction that follows would
// otherwise erase it and whatever it held.
func (s *FileStore) replay(path string, b []byte) error {
	for n := 1; len(b) > 0; n++ {
		line, rest, complete := bytes.Cut(b, []byte{'\n'})
		b = rest
		var r record
		err := json.Unmarshal(line, &r)
		if err == nil {
			err = r.check()
		}
		if err != nil {
			if !complete {
				return nil // torn tail
			}
			return fmt.Errorf("webhook store: %s line %d is damaged (%v); not opening it, so nothing in it is lost: repair or remove that line (or move the file aside to start empty)", path, n, err)
		}
		s.apply(r)
	}
	return nil
}

// check reports a record apply could not use.
func (r record) check() error {
	switch r.Op {
	case "sub":
		if r.Sub == nil || r.Sub.ID == "" {
			return errors.New(`"sub" without its subscription`)
		}
	case "del":
		if r.Delivery == nil || r.Delivery.ID == "" {
			return errors.New(`"del" without its delivery`)
		}
	case "watch":
		if r.ID == "" || r.Expires == nil {
			return errors.New(`"watch" without its id and expiry`)
		}
	case "unsub", "unwatch":
		if r.ID == "" {
			return fmt.Errorf("%q without its id", r.Op)
		}
	default:
		return fmt.Errorf("unknown op %q", r.Op)
	}
	return nil
}

func dedupKey(subID, eventKey string) string { return subID + "\x00" + eventKey }

func (s *FileStore) apply(r record) {
	switch r.Op {
	case "sub":
		s.subs[r.Sub.ID] = *r.Sub
	case "unsub":
		delete(s.subs, r.ID)
		for id, d := range s.dels {
			if d.SubscriptionID == r.ID {
				s.drop(id)
			}
		}
	case "watch":
		s.watches[r.ID] = *r.Expires
	case "unwatch":
		delete(s.watches, r.ID)
	case "del":
		d := *r.Delivery
		if _, ok := s.seq[d.ID]; !ok {
			s.seq[d.ID] = s.next
			s.next++
		}
		s.dels[d.ID] = d
		s.keys[dedupKey(d.SubscriptionID, d.EventKey)] = d.ID
	}
}

func (s *FileStore) drop(id string) {
	d := s.dels[id]
	delete(s.dels, id)
	delete(s.seq, id)
	delete(s.keys, dedupKey(d.SubscriptionID, d.EventKey))
}

// append writes records as one fsynced append, then applies them.
func (s *FileStore) append(rs ...record) error {
	if s.closed {
		return errors.New("webhook store closed")
	}
	var buf bytes.Buffer
	for _, r := range rs {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if _, err := s.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("webhook journal: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("webhook journal: %w", err)
	}
	for _, r := range rs {
		s.apply(r)
	}
	s.records += len(rs)
	if live := len(s.subs) + len(s.dels) + len(s.watches); s.records > 1000 && s.records > 2*live {
		return s.compact()
	}
	return nil
}

// Compact rewrites the journal now (OpenFileStore does it too); delivered
// entries older than Retention are dropped.
func (s *FileStore) Compact() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("webhook store closed")
	}
	return s.compact()
}

// compact rewrites the journal with the live records only.
func (s *FileStore) compact() error {
	now := s.now()
	for id, d := range s.dels {
		if d.State == StateDelivered && d.DeliveredAt != nil && now.Sub(*d.DeliveredAt) > s.retention {
			s.drop(id)
		}
	}
	path := filepath.Join(s.dir, journalName)
	tmp, err := os.CreateTemp(s.dir, journalName+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	enc := json.NewEncoder(w)
	n := 0
	for _, sub := range s.sortedSubs() {
		enc.Encode(record{Op: "sub", Sub: &sub})
		n++
	}
	for _, d := range s.sorted("", "") {
		enc.Encode(record{Op: "del", Delivery: &d})
		n++
	}
	ids := make([]string, 0, len(s.watches))
	for id := range s.watches {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		at := s.watches[id]
		enc.Encode(record{Op: "watch", ID: id, Expires: &at})
		n++
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(s.dir); err == nil {
		d.Sync()
		d.Close()
	}
	if s.f != nil {
		s.f.Close()
	}
	s.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	s.records = n
	return err
}

func (s *FileStore) sortedSubs() []Subscription {
	out := make([]Subscription, 0, len(s.subs))
	for _, v := range s.subs {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.Before(out[j].CreatedAt) || (out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID)
	})
	return out
}

func (s *FileStore) sorted(subID string, state State) []Delivery {
	out := []Delivery{}
	for _, d := range s.dels {
		if (subID == "" || d.SubscriptionID == subID) && (state == "" || d.State == state) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return s.seq[out[i].ID] < s.seq[out[j].ID] })
	return out
}

func (s *FileStore) SaveSubscription(sub Subscription) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.append(record{Op: "sub", Sub: &sub})
}

func (s *FileStore) DeleteSubscription(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.append(record{Op: "unsub", ID: id})
}

func (s *FileStore) Subscriptions() ([]Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedSubs(), nil
}

func (s *FileStore) AddDeliveries(ds []Delivery) ([]Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var added []Delivery
	var rs []record
	seen := map[string]bool{}
	for i := range ds {
		k := dedupKey(ds[i].SubscriptionID, ds[i].EventKey)
		if _, dup := s.keys[k]; dup || seen[k] {
			continue
		}
		if _, ok := s.subs[ds[i].SubscriptionID]; !ok {
			continue // unsubscribed meanwhile
		}
		seen[k] = true
		added = append(added, ds[i])
		rs = append(rs, record{Op: "del", Delivery: &ds[i]})
	}
	if len(rs) == 0 {
		return nil, nil
	}
	if err := s.append(rs...); err != nil {
		return nil, err
	}
	return added, nil
}

func (s *FileStore) SaveDelivery(d Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dels[d.ID]; !ok {
		return nil // its subscription was deleted meanwhile
	}
	return s.append(record{Op: "del", Delivery: &d})
}

func (s *FileStore) Delivery(id string) (Delivery, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dels[id]
	return d, ok, nil
}

func (s *FileStore) Deliveries(subID string, state State) ([]Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sorted(subID, state), nil
}

func (s *FileStore) Watch(docID string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at, ok := s.watches[docID]; ok && at.Equal(expiresAt) {
		return nil // re-fed
	}
	return s.append(record{Op: "watch", ID: docID, Expires: &expiresAt})
}

func (s *FileStore) Unwatch(docID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watches[docID]; !ok {
		return nil
	}
	return s.append(record{Op: "unwatch", ID: docID})
}

func (s *FileStore) Watches() (map[string]time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.watches))
	for k, v := range s.watches {
		out[k] = v
	}
	return out, nil
}

// Close closes the journal; later writes fail.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.f.Close()
}
