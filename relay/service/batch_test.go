package service_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/service"
)

// Two CreateBatch calls at once under one explicit id are answered as if
// they came one after the other: with other files, exactly one is created
// and the other is 409 DOCUMENT_EXISTS having registered nothing; the same
// request twice is the same batch twice (a retry), registered once.
func TestCreateBatchConcurrentSameID(t *testing.T) {
	r := newScanRig(t)
	r.svc.BatchDir = t.TempDir()
	files := func(content string) map[string]service.BatchFile {
		info, err := r.svc.Blobs.Put(context.Background(), bytes.NewReader([]byte(content)), "")
		if err != nil {
			t.Fatal(err)
		}
		return map[string]service.BatchFile{"a.txt": {SHA256: info.SHA256, MediaType: "text/plain", Size: info.Size}}
	}
	fa, fb := files("first\n"), files("second\n")
	meta := func(id string) api.BatchMeta {
		return api.BatchMeta{ID: id, Title: "Q4", Owner: "app", Priority: 1,
			Signers:   []model.SignerSpec{{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}},
			Documents: []api.BatchDocMeta{{File: "a.txt", Title: "a", DocType: "contract", MediaType: "text/plain", Order: 1}}}
	}
	// both starts two CreateBatch calls for id as close together as it can.
	both := func(id string, f0, f1 map[string]service.BatchFile) ([2]*api.Batch, [2]error) {
		var res [2]*api.Batch
		var errs [2]error
		start := make(chan struct{})
		var wg sync.WaitGroup
		for k, f := range []map[string]service.BatchFile{f0, f1} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[k], errs[k] = r.svc.CreateBatch(context.Background(), service.Caller{Who: "app"}, meta(id), f)
			}()
		}
		r.ledger.take()
		close(start)
		wg.Wait()
		return res, errs
	}
	kept := func(id string) *api.Batch {
		b, err := r.svc.GetBatch(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return b
	}

	t.Run("other files", func(t *testing.T) {
		for i := range 30 {
			id := fmt.Sprint("bx", i)
			res, errs := both(id, fa, fb)
			registers := r.ledger.take()["RegisterDocument"]
			win := 0
			if errs[0] != nil {
				win = 1
			}
			lose := 1 - win
			if errs[win] != nil {
				t.Fatalf("%s: neither request was created: %v / %v", id, errs[0], errs[1])
			}
			if code := fault.From(errs[lose]).Code; errs[lose] == nil || code != model.CodeDocumentExists || res[lose] != nil {
				t.Fatalf("%s: the second request got %v (%v), batch %v; want DOCUMENT_EXISTS and no batch", id, code, errs[lose], res[lose])
			}
			b := kept(id)
			if !b.Complete || res[win].Root != b.Root || b.Documents[0].SHA256 != res[win].Documents[0].SHA256 {
				t.Fatalf("%s: created root %s, the relay keeps %+v", id, res[win].Root, b)
			}
			if registers != 1 {
				t.Fatalf("%s: %d RegisterDocument calls, want the winner's 1", id, registers)
			}
		}
	})

	t.Run("the same request", func(t *testing.T) {
		for i := range 30 {
			id := fmt.Sprint("by", i)
			res, errs := both(id, fa, fa)
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("%s: %v / %v, want both created", id, errs[0], errs[1])
			}
			b := kept(id)
			for k := range 2 {
				if !res[k].Complete || res[k].Root != b.Root || !res[k].CreatedAt.Equal(b.CreatedAt) {
					t.Fatalf("%s: request %d answered %+v, the relay keeps %+v", id, k, res[k], b)
				}
			}
			if v, err := r.svc.Ledger.GetDocument(context.Background(), id+".0001"); err != nil || v.SHA256 != b.Documents[0].SHA256 {
				t.Fatalf("%s.0001 on the ledger: %+v, %v", id, v, err)
			}
		}
	})
}
