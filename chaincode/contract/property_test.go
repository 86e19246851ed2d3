package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// TestProjectionIsFoldOfEvents drives the real contract with random valid
// and invalid operations and checks, after every one, that each stored
// projection equals model.Fold of the document's stored events, that a write
// result's document is the stored one, that the pending index holds exactly
// the pending signers of pending documents, and that failed transactions
// wrote nothing.
func TestProjectionIsFoldOfEvents(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runRandomOps(t, uint64(seed), 60) })
	}
}

// randomOps is one seeded run: a pool of signers, a stranger, six
// document ids (all in batch bx) and a random source.
type randomOps struct {
	w       *world
	rng     *rand.Rand
	pool    []*signer
	mallory *signer
	docIDs  []string
}

// op is one transaction to submit.
type op struct {
	fn      string
	creator []byte
	arg     string
}

func runRandomOps(t *testing.T, seed uint64, steps int) {
	w := newWorld(t)
	r := &randomOps{w: w, rng: rand.New(rand.NewPCG(seed, 7)),
		pool: []*signer{
			w.signer("Org1MSP", "a1", 1), w.signer("Org1MSP", "a2", 1),
			w.signer("Org2MSP", "b1", 1), w.signer("Org2MSP", "b2", 1),
		},
		mallory: w.signer("Org1MSP", "mallory", 1),
		docIDs:  []string{"x0", "x1", "x2", "x3", "x4", "x5"},
	}
	ok, failed := 0, 0
	seen := map[string]int{} // outcome counts, to see the run is not degenerate
	for step := range steps {
		o, submit := r.next(step)
		if !submit {
			continue
		}
		before := snapshot(w)
		out, err := w.invoke(o.creator, o.fn, o.arg)
		if err != nil {
			failed++
			code, known := model.CodeOf(err)
			seen[string(code)]++
			if !known {
				t.Fatalf("step %d %s: error without a code: %v", step, o.fn, err)
			}
			if snapshot(w) != before {
				t.Fatalf("step %d %s failed (%v) but changed the ledger", step, o.fn, err)
			}
		} else {
			ok++
			seen[o.fn]++
			checkResult(t, w, step, o.fn, out)
		}
		checkInvariants(t, w, r.docIDs, step)
	}
	t.Logf("outcomes: %v", seen)
	if ok == 0 || failed == 0 {
		t.Fatalf("degenerate run: %d ok, %d failed", ok, failed)
	}
}

// checkResult: every document a write result returns is the stored projection.
func checkResult(t *testing.T, w *world, step int, fn, out string) {
	res := decode[model.WriteResult](t, out)
	if res.Document != nil {
		stored := w.L.State[docKey(res.Document.ID)]
		if got, _ := json.Marshal(res.Document.Document); !bytes.Equal(got, stored) {
			t.Fatalf("step %d %s: result document differs from the stored projection", step, fn)
		}
	}
	for _, d := range res.Documents {
		if got, _ := json.Marshal(d.Document); !bytes.Equal(got, w.L.State[docKey(d.ID)]) {
			t.Fatalf("step %d %s: result document %s differs from the stored projection", step, fn, d.ID)
		}
	}
}

// next picks the step's operation; false: time passed instead.
func (r *randomOps) next(step int) (op, bool) {
	w, rng := r.w, r.rng
	switch n := rng.IntN(10); {
	case n < 3:
		return r.register(), true
	case n < 7 && rng.IntN(4) == 0:
		return r.batch(), true
	case n < 7: // sign, sometimes by a stranger or with a reused nonce
		doc := r.anyDoc()
		s := r.onDoc(doc)
		if rng.IntN(10) == 0 {
			s = r.mallory
		}
		req := w.sigRequest(s, doc, payload.PurposeSign, "", nil, "")
		if rng.IntN(10) == 0 {
			req.Nonce = fmt.Sprintf("%032x", 1+rng.IntN(w.nonce))
		}
		return op{"RecordSignature", w.orgs["Org1MSP"].client, js(req)}, true
	case n < 8 && rng.IntN(2) == 0:
		doc := r.anyDoc()
		req := w.sigRequest(r.onDoc(doc), doc, payload.PurposeDecline, "no", nil, "")
		return op{"DeclineSignature", w.orgs["Org2MSP"].client, js(req)}, true
	case n < 8:
		return op{"VoidDocument", w.orgs[[]string{"Org1MSP", "Org2MSP"}[rng.IntN(2)]].client,
			js(model.VoidRequest{DocumentID: r.anyDoc(), Reason: "r"})}, true
	case n < 9:
		tags := []string{[]string{"red", "green", "blue"}[rng.IntN(3)]}
		doc := r.anyDoc()
		req := w.sigRequest(r.onDoc(doc), doc, payload.PurposeAnnotate, "", tags, "n")
		return op{"Annotate", w.orgs["Org1MSP"].client, js(model.AnnotateRequest{SignatureRequest: req, Tags: tags, Note: "n"})}, true
	case rng.IntN(2) == 0: // revoke a random signer's certificate
		o := w.orgs["Org1MSP"]
		crl := o.ca.CRL(int64(step+1), w.now, r.pool[rng.IntN(2)].cert.SerialNumber, big.NewInt(99))
		return op{"PublishCRL", o.admin, js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw), CRLPEM: crl})}, true
	default: // let time pass
		w.now = w.now.Add(time.Duration(rng.IntN(60)) * time.Second)
		return op{}, false
	}
}

func (r *randomOps) anyDoc() string { return r.docIDs[r.rng.IntN(len(r.docIDs))] }

// onDoc mostly picks a signer of doc (preferring the current turn), so
// that many operations get past the first checks.
func (r *randomOps) onDoc(doc string) *signer {
	var d model.Document
	if b := r.w.L.State[docKey(doc)]; b != nil && r.rng.IntN(5) > 0 {
		_ = json.Unmarshal(b, &d)
		for _, st := range d.Signers {
			if st.RoutingOrder == d.CurrentOrder || r.rng.IntN(4) == 0 {
				for _, s := range r.pool {
					if s.spec.ID == st.ID && s.spec.MSPID == st.MSPID {
						return s
					}
				}
			}
		}
	}
	return r.pool[r.rng.IntN(len(r.pool))]
}

// register registers one of the ids (sometimes a duplicate) in batch bx at its number.
func (r *randomOps) register() op {
	w, rng := r.w, r.rng
	n := 1 + rng.IntN(3)
	var ss []*signer
	for _, i := range rng.Perm(len(r.pool))[:n] {
		s := *r.pool[i]
		s.spec.RoutingOrder = 1 + rng.IntN(3)
		ss = append(ss, &s)
	}
	id := r.anyDoc()
	req := docRequest(id, ss...)
	req.BatchID, req.BatchOrder = "bx", int(id[1]-'0')
	req.Priority = rng.IntN(10)
	req.ExpiresAt = w.now.Add(time.Duration(60+rng.IntN(600)) * time.Second)
	return op{"RegisterDocument", w.orgs[[]string{"Org1MSP", "Org2MSP"}[rng.IntN(2)]].client, js(req)}
}

// batch signs (or, one time in three, declines) some documents of bx with
// one scan: mostly ones the signer may sign now, so that batches succeed too.
func (r *randomOps) batch() op {
	w, rng := r.w, r.rng
	hashes := make([][32]byte, len(r.docIDs))
	for i := range hashes {
		hashes[i], _ = merkle.ParseHash(fmt.Sprintf("%064x", 2)) // docRequest's sha256 of a 2-letter id
	}
	s := r.onDoc(r.anyDoc())
	var idx []int
	for _, i := range rng.Perm(len(r.docIDs)) {
		var d model.Document
		if b := w.L.State[docKey(r.docIDs[i])]; b != nil {
			_ = json.Unmarshal(b, &d)
		}
		j := d.SignerIndex(s.spec.MSPID, s.spec.ID)
		if rng.IntN(8) == 0 || j >= 0 && d.Signers[j].Status == model.SignerPending && d.Signers[j].RoutingOrder == d.CurrentOrder {
			idx = append(idx, i)
		}
		if len(idx) == 3 {
			break
		}
	}
	if len(idx) == 0 {
		idx = []int{rng.IntN(len(r.docIDs))}
	}
	if rng.IntN(10) == 0 {
		s = r.mallory
	}
	fn, req := "RecordBatchSignature", w.batchRequest(s, "bx", hashes, idx)
	if rng.IntN(3) == 0 {
		fn, req = "RecordBatchDecline", w.batchDecline(s, "bx", hashes, idx, "no")
	}
	for k, i := range idx {
		req.Items[k].DocumentID = r.docIDs[i]
	}
	if rng.IntN(10) == 0 {
		req.Items[0].Proof.Index = (req.Items[0].Proof.Index + 1) % len(r.docIDs)
	}
	return op{fn, w.orgs["Org1MSP"].client, js(req)}
}

func snapshot(w *world) string {
	b, _ := json.Marshal(w.L.State) // map keys are sorted by encoding/json
	return string(b)
}

func checkInvariants(t *testing.T, w *world, docIDs []string, step int) {
	t.Helper()
	wantPending := map[string]bool{}
	for _, id := range docIDs {
		stored := w.L.State[docKey(id)]
		if stored == nil {
			continue
		}
		h := decode[model.History](t, w.must(nil, "GetHistory", id))
		folded, err := model.Fold(h.Events)
		if err != nil {
			t.Fatalf("step %d: fold %s: %v", step, id, err)
		}
		if got, _ := json.Marshal(folded); !bytes.Equal(got, stored) {
			t.Fatalf("step %d: projection of %s != fold(events)\nstored %s\nfolded %s", step, id, stored, got)
		}
		// The lookup indexes: the bytes, and every transaction that wrote an event.
		if w.L.State[hashKey(folded)] == nil {
			t.Fatalf("step %d: missing hash key of %s", step, id)
		}
		for _, e := range h.Events {
			if !txIndexed(t, w, e.TxID, id) {
				t.Fatalf("step %d: tx %s's index lacks %s", step, e.TxID, id)
			}
		}
		if folded.Status == model.StatusPending {
			for _, s := range folded.Signers {
				if s.Status == model.SignerPending {
					wantPending[pendingKey(folded, s.SignerSpec)] = true
				}
			}
		}
		rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", id))
		if !rep.OK {
			t.Fatalf("step %d: VerifyRecord %s: %+v", step, id, rep.Checks)
		}
	}
	for k := range w.L.State {
		if len(k) > len(pPending) && k[:len(pPending)+1] == pPending+"/" && !wantPending[k] {
			t.Fatalf("step %d: stale pending key %s", step, k)
		}
	}
	for k := range wantPending {
		if w.L.State[k] == nil {
			t.Fatalf("step %d: missing pending key %s", step, k)
		}
	}
}

// TestFoldRejectsInvalidSequences mutates valid histories (drop, duplicate,
// swap, reseq) and checks Fold rejects them with ErrEventRejected unless the
// mutation is a prefix of the real history, agrees with stepwise Apply, and that
// a rejected Apply never changes the document.
func TestFoldRejectsInvalidSequences(t *testing.T) {
	for seed := range 10 {
		rng := rand.New(rand.NewPCG(uint64(seed), 11))
		w := newWorld(t)
		a, b := w.signer("Org1MSP", "a", 1), w.signer("Org2MSP", "b", 2)
		w.register("f", a, b)
		r := w.sigRequest(a, "f", payload.PurposeAnnotate, "", []string{"t"}, "")
		w.must(w.orgs["Org1MSP"].client, "Annotate", js(model.AnnotateRequest{SignatureRequest: r, Tags: []string{"t"}}))
		mustOK(t)(w.sign(a, "f"))
		mustOK(t)(w.sign(b, "f"))
		events := decode[model.History](t, w.must(nil, "GetHistory", "f")).Events
		if _, err := model.Fold(events); err != nil {
			t.Fatal(err)
		}
		for range 50 {
			m := append([]model.Event(nil), events...)
			i, j := rng.IntN(len(m)), rng.IntN(len(m))
			switch rng.IntN(4) {
			case 0:
				m = append(m[:i], m[i+1:]...)
			case 1:
				m = append(m[:i+1], m[i:]...)
			case 2:
				m[i], m[j] = m[j], m[i]
			case 3:
				m[i].Seq += 1 + rng.IntN(3)
			}
			d := &model.Document{}
			var applyErr error
			for _, e := range m {
				before, _ := json.Marshal(d)
				if applyErr = d.Apply(e); applyErr != nil {
					if after, _ := json.Marshal(d); !bytes.Equal(before, after) {
						t.Fatalf("rejected Apply changed the document")
					}
					break
				}
			}
			folded, err := model.Fold(m)
			if (err == nil) != (applyErr == nil) || err != nil && !errors.Is(err, model.ErrEventRejected) {
				t.Fatalf("Fold err %v, Apply err %v", err, applyErr)
			}
			if err == nil {
				x, _ := json.Marshal(folded)
				y, _ := json.Marshal(d)
				if !bytes.Equal(x, y) {
					t.Fatalf("Fold and Apply disagree")
				}
			}
			if err == nil { // only a prefix of the real history is still a history
				x, _ := json.Marshal(m)
				y, _ := json.Marshal(events[:min(len(m), len(events))])
				if !bytes.Equal(x, y) {
					t.Fatalf("a mutated history folded: %d events", len(m))
				}
			}
		}
	}
}
