package webhook

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestReFedEventsAreDeduplicatedAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	st := openStore(t, dir, c.Now)
	s := newService(t, testConfig(st, c))
	r := newReceiver(t, c.Now, 200)
	subscribe(t, s, r)
	doc := &model.DocumentView{Document: model.Document{ID: "doc-1", Status: model.StatusCompleted}}
	s.cfg.Document = func(_ bgCtx, id string) (*model.DocumentView, error) { return doc, nil }
	// One transaction: the last signature and the completion; only the completion is a webhook.
	payload, _ := json.Marshal([]model.Event{
		{Type: model.EventSignatureRecorded, DocumentID: "doc-1", Seq: 2, TxID: "tx9", Timestamp: c.Now()},
		completed("doc-1", "tx9", 3, c.Now()),
	})
	if err := s.HandleChaincodeEvent(bg, "tx9", payload); err != nil {
		t.Fatal(err)
	}
	if err := s.HandleChaincodeEvent(bg, "tx9", payload); err != nil {
		t.Fatal(err)
	}
	d := onlyDelivery(t, st)
	if d.EventKey != "tx9/3" || d.EventType != EventCompleted || payloadOf(t, d.Body).Document.Status != model.StatusCompleted {
		t.Fatalf("%+v", d)
	}
	s.DeliverDue(bg)
	st.Close()

	// The relay restarts and its event stream resumes before tx9: re-fed, nothing new.
	st2 := openStore(t, dir, c.Now)
	defer st2.Close()
	s2 := newService(t, testConfig(st2, c))
	if n, err := s2.Enqueue([]model.Event{completed("doc-1", "tx9", 3, c.Now())}, nil); n != 0 || err != nil {
		t.Fatalf("re-fed: %d %v", n, err)
	}
	if n := s2.DeliverDue(bg); n != 0 || len(r.requests()) != 1 {
		t.Fatalf("re-delivered: %d, %d requests", n, len(r.requests()))
	}
	// Another seq of the same tx, or another subscription, is new.
	if n, _ := s2.Enqueue([]model.Event{completed("doc-1", "tx9", 4, c.Now())}, nil); n != 1 {
		t.Fatalf("new seq: %d", n)
	}
	s2.Subscribe("app", r.URL, []EventType{EventCompleted})
	if n, _ := s2.Enqueue([]model.Event{completed("doc-1", "tx9", 3, c.Now())}, nil); n != 1 {
		t.Fatalf("new subscription: %d", n)
	}
}

func TestEventsMapToWebhookTypesAndRespectTheSubscription(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	s := newService(t, testConfig(st, c))
	r := newReceiver(t, c.Now, 200)
	onlyVoided := subscribe(t, s, r, EventVoided)
	all := subscribe(t, s, r)
	if len(all.Events) != 4 {
		t.Fatalf("default events %v", all.Events)
	}
	at := c.Now()
	evs := []model.Event{
		{Type: model.EventDocumentRegistered, DocumentID: "d", TxID: "t0", Timestamp: at},
		{Type: model.EventSignatureDeclined, DocumentID: "d", TxID: "t1", Seq: 1, Timestamp: at},
		{Type: model.EventDocumentVoided, DocumentID: "d", TxID: "t2", Seq: 2, Timestamp: at},
		{Type: model.EventDocumentCompleted, DocumentID: "d", TxID: "t3", Seq: 3, Timestamp: at},
		{Type: model.EventCRLPublished, MSPID: "Org1MSP", TxID: "t4", Timestamp: at},
		{Type: model.EventDocumentVoided, DocumentID: "old", TxID: "t5", Timestamp: at.Add(-time.Second)}, // before the subscriptions
	}
	if n, err := s.Enqueue(evs, nil); n != 4 || err != nil {
		t.Fatal(n, err)
	}
	got := map[string][]EventType{}
	ds, _ := st.Deliveries("", "")
	for _, d := range ds {
		got[d.SubscriptionID] = append(got[d.SubscriptionID], d.EventType)
	}
	if len(got[onlyVoided.ID]) != 1 || got[onlyVoided.ID][0] != EventVoided || len(got[all.ID]) != 3 ||
		got[all.ID][0] != EventDeclined || got[all.ID][1] != EventVoided || got[all.ID][2] != EventCompleted {
		t.Fatalf("%v", got)
	}
}

func TestExpirySweepSendsDocumentExpiredOncePerDocument(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	cfg := testConfig(st, c)
	now := c.Now()
	docs := []model.DocumentView{
		{Document: model.Document{ID: "expired", Status: model.StatusPending, ExpiresAt: now.Add(time.Hour)}},
		{Document: model.Document{ID: "later", Status: model.StatusPending, ExpiresAt: now.Add(3 * time.Hour)}},
		{Document: model.Document{ID: "done", Status: model.StatusCompleted, ExpiresAt: now.Add(time.Hour)}},
	}
	cfg.ExpiryCheck = func(bgCtx) ([]model.DocumentView, error) { return docs, nil }
	s := newService(t, cfg)
	r := newReceiver(t, c.Now, 200)
	subscribe(t, s, r)
	c.Advance(2 * time.Hour)
	for i, want := range []int{1, 0} {
		if n, err := s.Sweep(bg); n != want || err != nil {
			t.Fatalf("sweep %d: %d %v", i, n, err)
		}
	}
	s.DeliverDue(bg)
	got := r.requests()
	p := payloadOf(t, got[0].body)
	if len(got) != 1 || got[0].event != "document.expired" || p.DocumentID != "expired" ||
		p.Document.EffectiveStatus != model.StatusExpired || !p.OccurredAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("%+v %+v", got, p)
	}
	c.Advance(8 * 24 * time.Hour) // "later" expired more than the retention ago: never sent
	if n, _ := s.Sweep(bg); n != 0 {
		t.Fatalf("stale expiry sent: %d", n)
	}
}

func registered(doc, tx string, at, expires time.Time) model.Event {
	return model.Event{Type: model.EventDocumentRegistered, DocumentID: doc, TxID: tx, Timestamp: at,
		Registered: &model.DocumentRegistered{RegisterDocumentRequest: model.RegisterDocumentRequest{ID: doc, ExpiresAt: expires}}}
}

func TestRegisteredDocumentsThatNobodyClosesExpireOnceAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	st := openStore(t, dir, c.Now)
	s := newService(t, testConfig(st, c))
	r := newReceiver(t, c.Now, 200)
	subscribe(t, s, r, EventExpired)
	now := c.Now()
	s.Enqueue([]model.Event{registered("open", "t1", now, now.Add(time.Hour))}, nil)
	s.Enqueue([]model.Event{registered("signed", "t2", now, now.Add(time.Hour))}, nil)
	s.Enqueue([]model.Event{registered("confirmed-closed", "t3", now, now.Add(time.Hour))}, nil)
	s.Enqueue([]model.Event{completed("signed", "t4", 2, now)}, nil)
	if n, err := s.Sweep(bg); n != 0 || err != nil {
		t.Fatalf("before expiry: %d %v", n, err)
	}
	st.Close()

	st2 := openStore(t, dir, c.Now) // the watches are durable
	defer st2.Close()
	cfg := testConfig(st2, c)
	lookups := 0
	cfg.Document = func(_ bgCtx, id string) (*model.DocumentView, error) {
		lookups++
		d := &model.DocumentView{Document: model.Document{ID: id, Status: model.StatusPending, ExpiresAt: now.Add(time.Hour)}}
		if id == "confirmed-closed" { // its closing event has not reached this relay yet
			d.Status = model.StatusVoided
		}
		return d, nil
	}
	s2 := newService(t, cfg)
	c.Advance(time.Hour)
	if n, err := s2.Sweep(bg); n != 1 || err != nil || lookups != 2 {
		t.Fatalf("at expiry: %d %v, %d lookups", n, err, lookups)
	}
	if n, _ := s2.Sweep(bg); n != 0 {
		t.Fatalf("second sweep: %d", n)
	}
	if w, _ := st2.Watches(); len(w) != 0 {
		t.Fatalf("still watching %v", w)
	}
	s2.DeliverDue(bg)
	got := r.requests()
	if len(got) != 1 || got[0].event != "document.expired" || payloadOf(t, got[0].body).DocumentID != "open" || got[0].sigErr != nil {
		t.Fatalf("%+v", got)
	}
}
