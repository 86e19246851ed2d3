// Package fakestub is an in-memory chaincode stub for unit tests: a world
// state that transactions read and write through the shim interface, with the
// peer's rules that matter to the contract: a transaction does not read its own
// writes, its writes are applied only when it succeeds, and paginated range
// queries are refused in a transaction that writes. (fabric-chaincode-go/v2
// ships no shimtest package.)
package fakestub

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Ledger is the committed world state of one channel.
type Ledger struct {
	Channel string
	State   map[string][]byte // read it freely; write only through transactions
	keys    []string          // the keys of State, sorted, for range queries (see index)
	added   []string          // keys committed since keys was last sorted
	deleted bool              // keys may hold deleted keys
	txs     int
}

// NewLedger returns an empty ledger for channel.
func NewLedger(channel string) *Ledger {
	return &Ledger{Channel: channel, State: map[string][]byte{}}
}

// Event is a chaincode event a transaction set.
type Event struct {
	Name    string
	Payload []byte
}

// Stub is one transaction's view of the ledger. Methods the contract does not
// use are left to the embedded nil interface and panic if called.
type Stub struct {
	shim.ChaincodeStubInterface

	L       *Ledger
	TxID    string
	Time    time.Time
	Creator []byte
	Args    [][]byte

	writes    map[string][]byte // nil value: delete
	reads     map[string]bool   // keys read with GetState
	ranges    [][2]string       // [start, end) of unpaginated range reads
	Event     *Event
	paginated bool
	events    int
}

// Creator serializes an X.509 identity as the peer hands it to chaincode.
func Creator(mspID string, cert *x509.Certificate) []byte {
	b, err := proto.Marshal(&msp.SerializedIdentity{Mspid: mspID,
		IdBytes: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})})
	if err != nil {
		panic(err)
	}
	return b
}

// NewTx starts a transaction at time t by creator, calling fn with args.
// The tx id is derived from a ledger counter, so runs are reproducible.
func (l *Ledger) NewTx(t time.Time, creator []byte, fn string, args ...string) *Stub {
	l.txs++
	a := [][]byte{[]byte(fn)}
	for _, s := range args {
		a = append(a, []byte(s))
	}
	return &Stub{L: l, TxID: fmt.Sprintf("tx%06d", l.txs), Time: t, Creator: creator, Args: a,
		writes: map[string][]byte{}, reads: map[string]bool{}}
}

// Commit applies the transaction's writes, as the peer would for a valid
// transaction. It fails if the transaction mixed paginated queries and writes.
func (s *Stub) Commit() error {
	if s.paginated && len(s.writes) > 0 {
		return fmt.Errorf("fakestub: paginated queries are not supported in update transactions")
	}
	// New keys are appended and merged into the sorted index at the next
	// range query, so filling a large ledger is not quadratic.
	for k, v := range s.writes {
		_, existed := s.L.State[k]
		switch {
		case v == nil && existed:
			s.L.deleted = true
		case v != nil && !existed:
			s.L.added = append(s.L.added, k)
		}
		if v == nil {
			delete(s.L.State, k)
		} else {
			s.L.State[k] = v
		}
	}
	return nil
}

// Writes returns the keys the transaction wrote, with nil for deletes.
func (s *Stub) Writes() map[string][]byte { return s.writes }

// ConflictsWith reports the keys through which the peer's MVCC validation
// would make s invalid had other committed first: keys s read (or a range s
// read covers) that other wrote. Sorted.
func (s *Stub) ConflictsWith(other *Stub) []string {
	var out []string
	for k := range other.writes {
		hit := s.reads[k]
		for _, r := range s.ranges {
			hit = hit || k >= r[0] && (r[1] == "" || k < r[1])
		}
		if hit {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Stub) GetArgs() [][]byte { return s.Args }

func (s *Stub) GetStringArgs() []string {
	out := make([]string, len(s.Args))
	for i, a := range s.Args {
		out[i] = string(a)
	}
	return out
}

func (s *Stub) GetFunctionAndParameters() (string, []string) {
	a := s.GetStringArgs()
	if len(a) == 0 {
		return "", nil
	}
	return a[0], a[1:]
}

func (s *Stub) GetTxID() string      { return s.TxID }
func (s *Stub) GetChannelID() string { return s.L.Channel }

func (s *Stub) GetCreator() ([]byte, error) { return s.Creator, nil }

func (s *Stub) GetTxTimestamp() (*timestamppb.Timestamp, error) { return timestamppb.New(s.Time), nil }

func (s *Stub) GetState(key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	s.reads[key] = true
	v := s.L.State[key]
	if v == nil {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

func (s *Stub) PutState(key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if len(value) == 0 {
		return fmt.Errorf("fakestub: empty value for %q (the peer would treat it as a delete)", key)
	}
	s.writes[key] = append([]byte(nil), value...)
	return nil
}

func (s *Stub) DelState(key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.writes[key] = nil
	return nil
}

func (s *Stub) SetEvent(name string, payload []byte) error {
	if name == "" {
		return fmt.Errorf("fakestub: event name can not be empty string")
	}
	s.events++
	s.Event = &Event{Name: name, Payload: payload}
	return nil
}

// EventCount is how many times SetEvent was called (the peer keeps only the last).
func (s *Stub) EventCount() int { return s.events }

func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("fakestub: empty key")
	}
	return nil
}

// index returns the sorted keys of State, merging the keys committed since
// the last call (O(n) once after writes; queries then seek by binary search).
func (l *Ledger) index() []string {
	if len(l.added) == 0 && !l.deleted {
		return l.keys
	}
	sort.Strings(l.added)
	merged := make([]string, 0, len(l.keys)+len(l.added))
	i, j := 0, 0
	for i < len(l.keys) || j < len(l.added) {
		var k string
		if j == len(l.added) || i < len(l.keys) && l.keys[i] < l.added[j] {
			k, i = l.keys[i], i+1
		} else {
			k, j = l.added[j], j+1
		}
		if _, ok := l.State[k]; ok && (len(merged) == 0 || merged[len(merged)-1] != k) {
			merged = append(merged, k)
		}
	}
	l.keys, l.added, l.deleted = merged, nil, false
	return l.keys
}

// keysIn returns at most limit (all if limit < 0) keys in [start, end): a
// binary-search seek then a walk, like a LevelDB
// iterator, so a page costs O(log n + page), not O(keys in the range).
func (s *Stub) keysIn(start, end string, limit int) []string {
	keys := s.L.index()
	i := sort.SearchStrings(keys, start)
	j := len(keys)
	if end != "" {
		j = sort.SearchStrings(keys[i:], end) + i
	}
	if limit >= 0 && j-i > limit {
		j = i + limit
	}
	return append([]string(nil), keys[i:j]...)
}

func simpleKeys(keys ...string) error {
	for _, k := range keys {
		if strings.HasPrefix(k, "\x00") {
			return fmt.Errorf("fakestub: first character of the key [%s] contains a null character which is not allowed", k)
		}
	}
	return nil
}

func (s *Stub) GetStateByRange(start, end string) (shim.StateQueryIteratorInterface, error) {
	if err := simpleKeys(start, end); err != nil {
		return nil, err
	}
	s.ranges = append(s.ranges, [2]string{start, end})
	return s.iter(s.keysIn(start, end, -1)), nil
}

func (s *Stub) GetStateByRangeWithPagination(start, end string, pageSize int32, bookmark string) (
	shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	if err := simpleKeys(start, end); err != nil {
		return nil, nil, err
	}
	s.paginated = true
	if bookmark != "" {
		if bookmark < start || (end != "" && bookmark >= end) {
			return nil, nil, fmt.Errorf("fakestub: bookmark outside the range")
		}
		start = bookmark
	}
	limit := -1
	if pageSize > 0 {
		limit = int(pageSize) + 1 // one more: the next page's bookmark
	}
	keys := s.keysIn(start, end, limit)
	next := ""
	if pageSize > 0 && len(keys) > int(pageSize) {
		next = keys[pageSize]
		keys = keys[:pageSize]
	}
	return s.iter(keys), &peer.QueryResponseMetadata{FetchedRecordsCount: int32(len(keys)), Bookmark: next}, nil
}

func (s *Stub) iter(keys []string) *iterator {
	it := &iterator{}
	for _, k := range keys {
		it.kvs = append(it.kvs, &queryresult.KV{Namespace: "qrsign", Key: k, Value: append([]byte(nil), s.L.State[k]...)})
	}
	return it
}

type iterator struct {
	kvs    []*queryresult.KV
	closed bool
}

func (it *iterator) HasNext() bool { return !it.closed && len(it.kvs) > 0 }
func (it *iterator) Close() error  { it.closed = true; return nil }
func (it *iterator) Next() (*queryresult.KV, error) {
	if !it.HasNext() {
		return nil, fmt.Errorf("fakestub: no more results")
	}
	kv := it.kvs[0]
	it.kvs = it.kvs[1:]
	return kv, nil
}
