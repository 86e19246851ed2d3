//go:build integration

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// PDF signatures that arrive together are recorded in shared transactions
// (group commit, RecordSignatures) like any other: each keeps its revision,
// and the signed file validates. Rounds of concurrent scans run until the
// relay's metrics show a group of more than one signature (a round's
// callbacks may all find the ledger idle and go alone).
func TestConcurrentPDFSignaturesAreGrouped(t *testing.T) {
	validators.Require(t)
	e := setup(t)
	alice := e.enroll(t, "pdfgroup")
	const perRound = 8
	groupedBefore := e.groupedSignatures(t)
	var last []string
	for round := 1; ; round++ {
		ids, urls := make([]string, perRound), make([]string, perRound)
		for i := range ids {
			doc := e.upload(t, fmt.Sprintf("Grouped PDF %d.%d", round, i), padestest.TextPDF("BT /F1 24 Tf 72 720 Td ("+unique("group")+") Tj ET"),
				[]*signer{alice}, []int{1})
			_, qr := doc.link(t, alice)
			ids[i], urls[i] = doc.Document.ID, e.scanQR(t, qr)
		}
		var wg sync.WaitGroup
		results := make([]*api.CallbackResult, perRound)
		errs := make([]string, perRound)
		for i := range urls {
			wg.Go(func() {
				res, cb := alice.scan(t, "scan", urls[i])
				if res.code != 0 || cb == nil {
					errs[i] = fmt.Sprintf("exit %d %s", res.code, res.stderr)
				}
				results[i] = cb
			})
		}
		wg.Wait()
		for i, cb := range results {
			if errs[i] != "" {
				t.Fatalf("round %d, document %s: %s", round, ids[i], errs[i])
			}
			if cb.Revision == nil || cb.Revision.Revision != 1 || cb.DocumentStatus != model.StatusCompleted {
				t.Fatalf("round %d, document %s: %+v", round, ids[i], cb)
			}
		}
		last = ids
		if grouped := e.groupedSignatures(t) - groupedBefore; grouped > 0 {
			t.Logf("round %d: %d signatures went in groups of more than one", round, grouped)
			break
		}
		if round == 4 {
			t.Fatalf("%d rounds of %d concurrent PDF signatures, never a group: nothing here tested grouped PDF signatures", round, perRound)
		}
	}
	dir := t.TempDir()
	nss := validators.NSSTrusting(t, dir, e.org.CA.CACertFile)
	for _, id := range last {
		_, b := e.get(t, "/v1/documents/"+id+"/signed.pdf?revision=1")
		path := validators.WriteTemp(t, dir, filepath.Base(id)+".pdf", b)
		validators.PDFSig(t, nss, path, []string{alice.id}, validators.Each(1, true))
	}
}

// groupedSignatures reads the relay's group-commit histogram: signatures
// recorded in groups of more than one (sum minus groups of one).
func (e *env) groupedSignatures(t *testing.T) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.org.Relay.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+e.relayConfig(t).MetricsToken)
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: HTTP %d %s", resp.StatusCode, buf.Bytes())
	}
	var sum, ones float64
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "qrsign_relay_signature_group_size_sum":
			sum = v
		case `qrsign_relay_signature_group_size_bucket{le="1"}`:
			ones = v
		}
	}
	return int(sum - ones)
}
