package pdfrev

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/pades/pdfsigntest"
)

func hash(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

func TestPrefixes(t *testing.T) {
	tests := []struct {
		name string
		file string
		ends []int64
	}{
		{"no %%EOF", "%PDF-1.7 x", []int64{10}},
		{"ends at %%EOF", "%PDF-1.7\n%%EOF", []int64{14}},
		{"one end of line", "%PDF-1.7\n%%EOF\n", []int64{14, 15}},
		{"CR LF then white space", "%PDF-1.7\n%%EOF\r\n \nx", []int64{14, 16, 18, 19}},
		{"two revisions", "%PDF-1.7\n%%EOF\nx\n%%EOF\n", []int64{14, 15, 22, 23}},
		{"adjacent markers", "%%EOF%%EOF", []int64{5, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Prefixes([]byte(tc.file))
			var want []Prefix
			for _, e := range tc.ends {
				want = append(want, Prefix{End: e, SHA256: hash(tc.file[:e])})
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r0 := "%PDF-1.7\n%%EOF\n"
	r1 := r0 + "rev1\n%%EOF\n"
	r2 := r1 + "rev2\n%%EOF\n"
	reg := model.Event{Type: model.EventDocumentRegistered, Seq: 0, TxID: "tx0", Timestamp: at,
		Registered: &model.DocumentRegistered{RegisterDocumentRequest: model.RegisterDocumentRequest{SHA256: hash(r0)}}}
	sig := func(seq, n int, prev, file, who string) model.Event {
		return model.Event{Type: model.EventSignatureRecorded, Seq: seq, TxID: "tx" + who, Timestamp: at.Add(time.Duration(seq) * time.Minute),
			Signature: &model.SignatureEvidence{Signer: model.SignerSpec{MSPID: "Org1MSP", ID: who},
				PDF: &model.PDFRevision{Revision: n, PrevSHA256: hash(prev), SHA256: hash(file)}}}
	}
	both := []model.Event{reg, sig(1, 1, r0, r1, "alice"), sig(2, 2, r1, r2, "bob")}
	f0 := Found{Revision: 0, End: int64(len(r0)), SHA256: hash(r0), TxID: "tx0", At: at}
	f1 := Found{Revision: 1, End: int64(len(r1)), SHA256: hash(r1), Signer: "Org1MSP/alice", TxID: "txalice", At: at.Add(time.Minute), Seq: 1, prev: hash(r0)}
	f2 := Found{Revision: 2, End: int64(len(r2)), SHA256: hash(r2), Signer: "Org1MSP/bob", TxID: "txbob", At: at.Add(2 * time.Minute), Seq: 2, prev: hash(r1)}
	forged := r0 + "forged\n%%EOF\n" + "rev2\n%%EOF\n"
	tests := []struct {
		name   string
		events []model.Event
		file   string
		want   Result
	}{
		{"the latest revision", both, r2, Result{Revisions: []Found{f0, f1, f2}, Complete: true, Latest: true}},
		{"an earlier revision", both, r1, Result{Revisions: []Found{f0, f1}, Complete: true}},
		{"bytes after the last", both, r2 + "edit\n%%EOF\n", Result{Revisions: []Found{f0, f1, f2}, Complete: true, Latest: true, UnrecognisedBytes: 11}},
		{"revision 1 replaced", both, forged, Result{Revisions: []Found{f0}, Complete: true, UnrecognisedBytes: int64(len(forged) - len(r0))}},
		{"unknown", both, "%PDF-1.7 other", Result{Revisions: []Found{}, UnrecognisedBytes: 14}},
		{"the registration missing", both[1:], r2, Result{Revisions: []Found{f1, f2}, Latest: true}},
		{"a revision recorded over another file", []model.Event{reg, sig(1, 1, "x", r1, "alice")}, r1,
			Result{Revisions: []Found{f0, {Revision: 1, End: int64(len(r1)), SHA256: hash(r1), Signer: "Org1MSP/alice", TxID: "txalice",
				At: at.Add(time.Minute), Seq: 1, prev: hash("x")}}, Latest: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Match(tc.events, Prefixes([]byte(tc.file))); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestIncrements: a signature's and a DSS revision, each judged byte for
// byte as the kind the ledger recorded; a revision recorded as the other
// kind is refused with the exact reason.
func TestIncrements(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	alice := pdfsigntest.New("alice", at)
	r0 := padestest.SimplePDF()
	r1, digest := alice.Sign(t, r0, "qrsign-1", at)
	r2, err := pades.AppendDSS(r1, pades.Validation{Certs: [][]byte{alice.Cert.Raw}})
	if err != nil {
		t.Fatal(err)
	}
	reg := model.Event{Type: model.EventDocumentRegistered, TxID: "tx0", Timestamp: at,
		Registered: &model.DocumentRegistered{RegisterDocumentRequest: model.RegisterDocumentRequest{SHA256: hash(string(r0))}}}
	signed := func(n int, prev, file []byte, digest, cert string) model.Event {
		return model.Event{Type: model.EventSignatureRecorded, Seq: n, TxID: "txs", Timestamp: at,
			Signature: &model.SignatureEvidence{Signer: model.SignerSpec{MSPID: "Org1MSP", ID: "alice"}, CertFingerprint: cert,
				PDF: &model.PDFRevision{Revision: n, PrevSHA256: hash(string(prev)), SHA256: hash(string(file)), Digest: digest}}}
	}
	sig := func(n int, prev, file []byte) model.Event { return signed(n, prev, file, digest, alice.Fingerprint()) }
	other := hash("another")
	dss := func(n int, prev, file []byte) model.Event {
		return model.Event{Type: model.EventRevisionRecorded, Seq: n, TxID: "txd", Timestamp: at,
			Revision: &model.PDFRevision{Kind: model.RevisionDSS, Revision: n, PrevSHA256: hash(string(prev)), SHA256: hash(string(file))}}
	}
	for _, tc := range []struct {
		name    string
		events  []model.Event
		kinds   []string
		checked []bool
		err     string
	}{
		{"signature then DSS", []model.Event{reg, sig(1, r0, r1), dss(2, r1, r2)}, []string{"", "", "dss"}, []bool{false, true, true}, ""},
		{"a signature recorded as a DSS", []model.Event{reg, dss(1, r0, r1), sig(2, r1, r2)}, []string{"", "dss", ""}, []bool{false, false, false},
			"revision 1 is not a DSS increment over revision 0: pades: INCREMENT_REFUSED: the revision has no /DSS"},
		{"a DSS recorded as a signature", []model.Event{reg, sig(1, r0, r1), sig(2, r1, r2)}, []string{"", "", ""}, []bool{false, true, false},
			"revision 2 is not a signature increment over revision 1: "},
		// The file's signature must be the one its signer signed on the ledger.
		{"a signature over another digest", []model.Event{reg, signed(1, r0, r1, other, alice.Fingerprint()), dss(2, r1, r2)}, []string{"", "", "dss"},
			[]bool{false, false, false}, "revision 1 is not a signature increment over revision 0: its ByteRange digest " + digest +
				" is not the digest " + other + " its signer signed"},
		{"a signature by another certificate", []model.Event{reg, signed(1, r0, r1, digest, other), dss(2, r1, r2)}, []string{"", "", "dss"},
			[]bool{false, false, false}, "revision 1 is not a signature increment over revision 0: its CMS is signed with certificate " +
				alice.Fingerprint()[:16] + "…, not the signer's " + other[:16] + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Match(tc.events, Prefixes(r2))
			if !res.Complete || !res.Latest || len(res.Revisions) != 3 {
				t.Fatalf("match %+v", res)
			}
			Judge(r2, &res)
			for i, f := range res.Revisions {
				if f.Kind != tc.kinds[i] || f.Checked != tc.checked[i] {
					t.Errorf("revision %d: kind %q checked %v, want %q %v", i, f.Kind, f.Checked, tc.kinds[i], tc.checked[i])
				}
			}
			if tc.err == "" && res.IncrementError != "" || !strings.HasPrefix(res.IncrementError, tc.err) {
				t.Fatalf("increment error %q, want %q", res.IncrementError, tc.err)
			}
		})
	}
	incs, err := Increments(r2, Match([]model.Event{reg, sig(1, r0, r1), dss(2, r1, r2)}, Prefixes(r2)))
	if err != nil || len(incs) != 2 || incs[0].Signature == nil || incs[0].Signature.CMS == nil ||
		incs[1].DSS == nil || len(incs[1].DSS.Certs) != 1 {
		t.Fatalf("increments %+v, %v", incs, err)
	}
}
