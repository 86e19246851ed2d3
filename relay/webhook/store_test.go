package webhook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestJournalSurvivesATornLastLineAndIsPrivate(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	st := openStore(t, dir, c.Now)
	s := newService(t, testConfig(st, c))
	r := newReceiver(t, c.Now, 200)
	subscribe(t, s, r)
	s.Enqueue([]model.Event{completed("d", "t", 1, c.Now())}, nil)
	st.Close()
	path := filepath.Join(dir, journalName)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"op":"del","delivery":{"id":"dlv_torn`) // crash mid-append
	f.Close()
	st2 := openStore(t, dir, c.Now)
	defer st2.Close()
	if d := onlyDelivery(t, st2); d.EventKey != "t/1" || d.State != StatePending {
		t.Fatalf("%+v", d)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "dlv_torn") {
		t.Fatal("torn line kept after compaction")
	}
}

func lines(t *testing.T, dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, journalName))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

func TestCompactionBoundsTheJournalAndDropsDeliveredEntriesAfterRetention(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	st := openStore(t, dir, c.Now)
	cfg := testConfig(st, c)
	cfg.Timeout = time.Minute // a loaded machine must not turn slowness into failures here
	s := newService(t, cfg)
	r := newReceiver(t, c.Now, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
	subscribe(t, s, r)
	const n = 300
	evs := make([]model.Event, n)
	for i := range evs {
		evs[i] = completed("d", "t", i, c.Now())
	}
	s.Enqueue(evs, nil)
	for i := 0; i < 3; i++ { // 300 adds + 900 failed attempts: more than 1000 records, 4 per live one
		s.DeliverDue(bg)
		c.Advance(time.Hour)
	}
	if got := lines(t, dir); got >= 1+4*n {
		t.Fatalf("journal never compacted: %d lines", got)
	}
	r.setScript(200)
	s.DeliverDue(bg)
	st.Close()
	st2 := openStore(t, dir, c.Now) // within retention: kept, one line each
	if ds, _ := st2.Deliveries("", StateDelivered); len(ds) != n || lines(t, dir) != 1+n {
		t.Fatalf("%d delivered, %d lines", len(ds), lines(t, dir))
	}
	st2.Close()
	c.Advance(8 * 24 * time.Hour)
	st3 := openStore(t, dir, c.Now)
	defer st3.Close()
	if err := st3.Compact(); err != nil {
		t.Fatal(err)
	}
	subs, _ := st3.Subscriptions()
	if ds, _ := st3.Deliveries("", ""); len(ds) != 0 || len(subs) != 1 || lines(t, dir) != 1 {
		t.Fatalf("%d deliveries, %d subscriptions after retention", len(ds), len(subs))
	}
}

// The store judges age only by the clock it is opened with: delivered entries
// stamped at that clock's "now" survive opening whatever the wall clock says,
// and go once that clock passes the retention.
func TestOpeningJudgesAgeByTheInjectedClockNotTheWallClock(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC), // long before any wall clock this runs on
		time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC),    // long after
	} {
		t.Run(at.Format("2006"), func(t *testing.T) {
			dir := t.TempDir()
			c := &clock{t: at}
			st := openStore(t, dir, c.Now)
			s := newService(t, testConfig(st, c))
			r := newReceiver(t, c.Now, 200)
			subscribe(t, s, r)
			s.Enqueue([]model.Event{completed("d", "t", 1, c.Now())}, nil)
			s.DeliverDue(bg)
			st.Close()
			c.Advance(DefaultRetention - time.Minute)
			st2 := openStore(t, dir, c.Now)
			if ds, _ := st2.Deliveries("", StateDelivered); len(ds) != 1 {
				t.Fatalf("within retention by the injected clock: %d delivered entries kept, want 1", len(ds))
			}
			st2.Close()
			c.Advance(2 * time.Minute)
			st3 := openStore(t, dir, c.Now)
			defer st3.Close()
			if ds, _ := st3.Deliveries("", ""); len(ds) != 0 {
				t.Fatalf("past retention by the injected clock: %d entries kept, want 0", len(ds))
			}
		})
	}
}

func TestOpenFileStoreRefusesAMissingClock(t *testing.T) {
	if _, err := OpenFileStore(t.TempDir(), StoreOptions{}); err == nil {
		t.Fatal("opened without a clock")
	}
}
