// Package pdfrev recognises the revisions of a signed PDF in hand: which of
// its prefixes ending at a "%%EOF" (pades.Revisions) a document's ledger
// events recorded, and whether the chain original → 1 → … → n is complete.
// The relay's POST /v1/verify/pdf and the offline evidence verifier
// (qrsign verify-evidence BUNDLE FILE.pdf) both judge a file with it.
package pdfrev

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/pades"
)

// Prefix is a place a revision may end and the SHA-256 of the file up to it.
type Prefix struct {
	End    int64  `json:"end"`
	SHA256 string `json:"sha256"`
}

// Prefixes lists a file's candidate revisions in file order: every end
// pades.Revisions finds (after "%%EOF" and after the white space following
// it), after "%%EOF" and one end of line (a writer may append an increment
// starting with white space), and the whole file. One pass over the file.
func Prefixes(file []byte) []Prefix {
	var ends []int
	for _, e := range pades.Revisions(file) {
		ends = append(ends, e)
		if bytes.HasSuffix(file[:e], []byte("%%EOF")) {
			rest := file[e:]
			switch {
			case bytes.HasPrefix(rest, []byte("\r\n")):
				ends = append(ends, e+2)
			case bytes.HasPrefix(rest, []byte("\n")), bytes.HasPrefix(rest, []byte("\r")):
				ends = append(ends, e+1)
			}
		}
	}
	ends = append(ends, len(file))
	slices.Sort(ends)
	ends = slices.Compact(ends)
	h := sha256.New()
	out := make([]Prefix, 0, len(ends))
	at := 0
	for _, e := range ends {
		h.Write(file[at:e])
		at = e
		out = append(out, Prefix{End: int64(e), SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	return out
}

// Found is one recognised prefix of the file and where the ledger recorded it.
type Found struct {
	Revision int `json:"revision"` // 0 = the registered file
	// Kind is the recorded revision's kind: empty for the registered file
	// and a signature's revision, "dss" for the validation data (PAdES
	// B-LT) added after the last signature.
	Kind   string `json:"kind,omitempty"`
	End    int64  `json:"end"` // the prefix's length in bytes
	SHA256 string `json:"sha256"`
	// Signer is who added the revision (mspId/id; the relay's public view
	// shows as much as its publicSigners allows); empty for revision 0.
	Signer string    `json:"signer,omitempty"`
	TxID   string    `json:"txId"` // the registration or the signature
	At     time.Time `json:"at"`
	Seq    int       `json:"seq"` // the event's position in the document's stream
	// BlockNumber is the block of TxID: Match leaves it to the caller, who
	// knows where to look.
	BlockNumber uint64 `json:"blockNumber"`
	// Checked: its increment over the revision before was judged byte for
	// byte (Judge; only where the file itself, not its hashes, is at hand).
	Checked bool `json:"checked,omitempty"`
	prev    string
	// A signature's revision: the ByteRange digest its signer signed in the
	// ledger payload and the signer's certificate (SHA-256 of its DER), which
	// the increment's bytes and CMS must match (Increments).
	digest, cert string
}

// Result is how a file relates to one document's recorded revisions.
type Result struct {
	// Revisions are the recognised prefixes of the file in file order.
	Revisions []Found `json:"revisions"`
	// Complete: the recognised revisions are 0 (the registered file), 1, …,
	// n with none missing, each recorded over the one before, so the chain
	// original → … → revision n is in the file.
	Complete bool `json:"complete"`
	// Latest: revision n is the document's latest recorded revision.
	Latest bool `json:"latest"`
	// UnrecognisedBytes follow the last recognised revision (all of the
	// file when none is): what was added there (a later signature, an edit,
	// trailing bytes) the ledger does not vouch for.
	UnrecognisedBytes int64 `json:"unrecognisedBytes"`
	// IncrementError is why Judge refused a recognised revision's increment.
	IncrementError string `json:"incrementError,omitempty"`
}

// Match ties the file's prefixes to a document's events: revision 0 is its
// DocumentRegistered file, revision n the PDF revision of a SignatureRecorded
// or RevisionRecorded (DSS) event. events are the document's whole stream
// in order.
func Match(events []model.Event, file []Prefix) Result {
	known := map[string]Found{}
	latest := ""
	for _, e := range events {
		switch {
		case e.Type == model.EventDocumentRegistered && e.Registered != nil:
			latest = e.Registered.SHA256
			known[latest] = Found{SHA256: latest, TxID: e.TxID, At: e.Timestamp.UTC(), Seq: e.Seq}
		case e.PDFRevision() != nil:
			r := e.PDFRevision()
			latest = r.SHA256
			f := Found{Revision: r.Revision, Kind: r.Kind, SHA256: latest, TxID: e.TxID, At: e.Timestamp.UTC(), Seq: e.Seq, prev: r.PrevSHA256}
			if e.Signature != nil {
				f.Signer, f.digest, f.cert = e.Signature.Signer.Key(), r.Digest, e.Signature.CertFingerprint
			}
			known[latest] = f
		}
	}
	res := Result{Revisions: []Found{}}
	last := int64(0)
	ok := true
	for _, p := range file {
		f, hit := known[p.SHA256]
		if !hit {
			continue
		}
		if n := len(res.Revisions); f.Revision != n || (n > 0 && f.prev != res.Revisions[n-1].SHA256) {
			ok = false
		}
		f.End, last = p.End, p.End
		res.Revisions = append(res.Revisions, f)
	}
	if n := len(res.Revisions); n > 0 {
		res.Complete = ok
		res.Latest = res.Revisions[n-1].SHA256 == latest
	}
	if len(file) > 0 {
		res.UnrecognisedBytes = file[len(file)-1].End - last
	}
	return res
}

// Increment is what recognised revision Revision adds over the one before.
type Increment struct {
	Revision  int
	Signature *pades.Checked    // a signature's revision: signed, CAdES
	DSS       *pades.Validation // a DSS revision: the items it adds
}

// Increments judges, byte for byte, what each recognised revision after
// the first adds over the one before it in file: a signature's revision
// must be exactly one signed signature increment (pades.CheckIncrement), a
// DSS revision exactly a DSS increment (pades.CheckDSS). It stops at the
// first that is not.
func Increments(file []byte, res Result) ([]Increment, error) {
	var out []Increment
	for i := 1; i < len(res.Revisions); i++ {
		f := res.Revisions[i]
		prev, next := file[:res.Revisions[i-1].End], file[:f.End]
		inc := Increment{Revision: f.Revision}
		if f.Kind == model.RevisionDSS {
			v, err := pades.CheckDSS(prev, next)
			if err != nil {
				return out, fmt.Errorf("revision %d is not a DSS increment over revision %d: %w", f.Revision, res.Revisions[i-1].Revision, err)
			}
			inc.DSS = &v
		} else {
			c, err := pades.CheckIncrement(prev, next)
			if err == nil {
				err = signedAsRecorded(c, f)
			}
			if err != nil {
				return out, fmt.Errorf("revision %d is not a signature increment over revision %d: %w", f.Revision, res.Revisions[i-1].Revision, err)
			}
			inc.Signature = c
		}
		out = append(out, inc)
	}
	return out, nil
}

// signedAsRecorded: c is a signed CAdES signature over the very digest its
// signer signed on the ledger, its CMS verifying with the signer's recorded
// certificate; else the file's signature is not the one the ledger holds.
func signedAsRecorded(c *pades.Checked, f Found) error {
	if c.CMS == nil || c.Signature.Kind != pades.CAdES {
		return fmt.Errorf("not a signed CAdES signature")
	}
	if d := hex.EncodeToString(c.Digest[:]); d != f.digest {
		return fmt.Errorf("its ByteRange digest %s is not the digest %s its signer signed", d, f.digest)
	}
	cert, err := c.SignerCert()
	if err != nil {
		return fmt.Errorf("its CMS does not verify: %w", err)
	}
	if fp := payload.Fingerprint(cert.Raw); fp != f.cert {
		return fmt.Errorf("its CMS is signed with certificate %.16s…, not the signer's %.16s…", fp, f.cert)
	}
	return nil
}

// Judge is Increments for a verifier: every revision whose increment
// passed is marked Checked, the first refusal is res.IncrementError.
func Judge(file []byte, res *Result) {
	incs, err := Increments(file, *res)
	for i := range incs {
		res.Revisions[i+1].Checked = true
	}
	if err != nil {
		res.IncrementError = err.Error()
	}
}
