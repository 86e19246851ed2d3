package webhook

import (
	"fmt"
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

// A complete line that apply could not use (valid JSON without its payload)
// is damaged: OpenFileStore names the file and line instead of panicking, and
// leaves the journal as it was. The same line as a torn tail is ignored.
func TestJournalRecordWithoutItsPayloadIsADamagedLine(t *testing.T) {
	for line, why := range map[string]string{
		`{"op":"sub"}`:                 `"sub" without its subscription`,
		`{"op":"del"}`:                 `"del" without its delivery`,
		`{"op":"watch","id":"doc-1"}`:  `"watch" without its id and expiry`,
		`{"op":"unsub"}`:               `"unsub" without its id`,
		`{"op":"frobnicate","id":"x"}`: `unknown op "frobnicate"`,
	} {
		t.Run(line, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, journalName)
			c := newClock()
			good := `{"op":"unwatch","id":"doc-0"}` + "\n"
			if err := os.WriteFile(path, []byte(good+line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := OpenFileStore(dir, StoreOptions{Now: c.Now})
			want := "webhook store: " + path + " line 2 is damaged (" + why + "); not opening it"
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				if st != nil {
					st.Close()
				}
				t.Fatalf("err %v, want %q...", err, want)
			}
			if b, _ := os.ReadFile(path); string(b) != good+line+"\n" {
				t.Fatalf("journal changed: %q", b)
			}
			os.WriteFile(path, []byte(good+line), 0o600) // torn tail: no newline
			st = openStore(t, dir, c.Now)
			st.Close()
		})
	}
}

// A damaged line that is not a torn tail (here the first of two
// subscriptions, and a last line that has its newline) makes OpenFileStore
// fail naming the file and line, and the journal is left untouched; once
// repaired it opens with everything.
func TestJournalDamagedLineOtherThanATornTailRefusesToOpen(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	st := openStore(t, dir, c.Now)
	s := newService(t, testConfig(st, c))
	r := newReceiver(t, c.Now, 200)
	first := subscribe(t, s, r)
	second := subscribe(t, s, r)
	st.Close()
	path := filepath.Join(dir, journalName)
	orig, _ := os.ReadFile(path)
	ls := strings.SplitAfter(string(orig), "\n")
	if len(ls) != 3 || ls[2] != "" || !strings.Contains(ls[0], first.ID) || !strings.Contains(ls[1], second.ID) {
		t.Fatalf("journal %q", orig)
	}
	for i := range 2 {
		damaged := append([]string(nil), ls...)
		damaged[i] = strings.Replace(ls[i], `"op":"sub"`, `"op":"sub"`+"\x00", 1) // one damaged byte
		b := []byte(strings.Join(damaged, ""))
		os.WriteFile(path, b, 0o600)
		st2, err := OpenFileStore(dir, StoreOptions{Now: c.Now})
		want := fmt.Sprintf("webhook store: %s line %d is damaged (invalid character '\\x00' after object key:value pair); not opening it", path, i+1)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			if st2 != nil {
				st2.Close()
			}
			t.Fatalf("line %d: err %v, want %q...", i+1, err, want)
		}
		if after, _ := os.ReadFile(path); string(after) != string(b) {
			t.Fatalf("line %d: journal changed: %q", i+1, after)
		}
	}
	os.WriteFile(path, orig, 0o600)
	st3 := openStore(t, dir, c.Now)
	defer st3.Close()
	subs, _ := st3.Subscriptions()
	if ids := map[string]bool{first.ID: true, second.ID: true}; len(subs) != 2 || !ids[subs[0].ID] || !ids[subs[1].ID] || subs[0].ID == subs[1].ID {
		t.Fatalf("subscriptions %+v", subs)
	}
}
