package evidence

import (
	"fmt"
	"strconv"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/pdfrev"
)

// checkPDFRevisions judges a document file that is not the registered one:
// a signed PDF passes when it is, byte for byte, revisions the bundle's
// proven events recorded — 0 (the registration) → 1 → … → n, none missing
// and nothing after n — each tied to its event and transaction by its own
// check, and each increment exactly what its event records: one signed
// signature for a signature's revision, a DSS (certificates and CRLs,
// PAdES B-LT) for a RevisionRecorded one (pdfrev, as POST /v1/verify/pdf),
// so an auditor needs no relay.
func checkPDFRevisions(r *Report, b *Bundle, events []model.Event, document []byte, fileSHA256 string) {
	res := pdfrev.Match(events, pdfrev.Prefixes(document))
	incs, ierr := pdfrev.Increments(document, res)
	for i, f := range res.Revisions {
		by, byKind := "the registration", "registration"
		switch {
		case f.Kind == model.RevisionDSS:
			by, byKind = "the DSS revision", "dss"
		case f.Revision > 0:
			by, byKind = "the signature of "+f.Signer, "signature"
		}
		tx := fmt.Sprintf("%.16s", f.TxID)
		p := map[string]string{"end": strconv.FormatInt(f.End, 10), "sha256": f.SHA256, "by": byKind, "signer": f.Signer,
			"seq": strconv.Itoa(f.Seq), "tx": tx}
		detail := fmt.Sprintf("bytes 0..%d hash to %s, recorded by %s (event %d, tx %s)", f.End, f.SHA256, by, f.Seq, tx)
		var err error
		switch {
		case i == 0:
		case i-1 < len(incs) && incs[i-1].DSS != nil:
			p["increment"], p["certs"], p["crls"] = "dss", strconv.Itoa(len(incs[i-1].DSS.Certs)), strconv.Itoa(len(incs[i-1].DSS.CRLs))
			detail += fmt.Sprintf("; exactly a DSS increment (%s certificates, %s CRLs)", p["certs"], p["crls"])
		case i-1 < len(incs):
			p["increment"] = "signature"
			detail += "; exactly one signed signature increment"
		case i-1 == len(incs):
			err = ierr
		}
		r.add(Check{Name: fmt.Sprintf("pdf revision %d", f.Revision), Code: CheckPDFRevision,
			Params: map[string]string{"revision": strconv.Itoa(f.Revision)}}, err, finding{detail, p})
	}
	var err error
	switch n := len(res.Revisions); {
	case n == 0:
		err = fmt.Errorf("the file hashes to %s, the bundle's document to %s, and no revision of it is recorded", fileSHA256, b.DocumentSHA256)
	case !res.Complete:
		err = fmt.Errorf("the file holds recorded revisions %s but not the whole chain from the registered file", revisionList(res.Revisions))
	case ierr != nil:
		err = fmt.Errorf("revision %d of the file is not the increment its event records", res.Revisions[len(incs)+1].Revision)
	case res.UnrecognisedBytes > 0:
		err = fmt.Errorf("revisions 0..%d are recorded, but the %d bytes after revision %d are not", res.Revisions[n-1].Revision, res.UnrecognisedBytes, res.Revisions[n-1].Revision)
	}
	last := 0
	if n := len(res.Revisions); n > 0 {
		last = res.Revisions[n-1].Revision
	}
	latest := ""
	if !res.Latest {
		latest = " (the bundle records later revisions)"
	}
	r.add(Check{Name: "document file", Code: CheckDocumentFile}, err, finding{
		fmt.Sprintf("SHA-256 %s = revision %d of the bundle's document, chain 0 → %d complete%s", fileSHA256, last, last, latest),
		map[string]string{"sha256": fileSHA256, "revision": strconv.Itoa(last), "latest": strconv.FormatBool(res.Latest)}})
}

func revisionList(fs []pdfrev.Found) string {
	s := ""
	for i, f := range fs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(f.Revision)
	}
	return s
}
