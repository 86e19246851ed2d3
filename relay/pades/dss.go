package pades

import (
	"bytes"
	"crypto/x509"
	"fmt"

	"github.com/qrsign/qrsign/relay/cms"
)

// Attributes are the signed attributes of a PAdES signature over a prepared
// digest: no signing-time attribute, as ETSI EN 319 142-1 keeps the claimed
// time in the signature dictionary's /M.
func Attributes(digest [32]byte, signer *x509.Certificate) cms.Attributes {
	return cms.Attributes{Digest: digest[:], Signer: signer}
}

// Validation is the material a verifier needs later (PAdES B-LT): DER
// certificates (signers' chains, TSA chains) and DER CRLs.
type Validation struct {
	Certs [][]byte
	CRLs  [][]byte
}

// AppendDSS returns prev plus an increment adding the validation material to
// the document security store (ISO 32000-2 12.8.4.3): one stream per item
// not yet in it, the catalog's /DSS /Certs and /CRLs extended. Signatures
// before it stay valid: they cover their own revisions only.
func AppendDSS(prev []byte, v Validation) ([]byte, error) {
	e, err := newEditor(prev)
	if err != nil {
		return nil, err
	}
	cat, err := e.catalog()
	if err != nil {
		return nil, err
	}
	cat = cat.clone()
	dss, err := e.holder(cat, "DSS")
	if err != nil {
		return nil, err
	}
	var added []indirect
	changed := false
	for _, kind := range []struct {
		key   name
		items [][]byte
	}{{"Certs", v.Certs}, {"CRLs", v.CRLs}} {
		have, err := e.streams(dss.dict.get(kind.key))
		if err != nil {
			return nil, errf(CodeNotPDF, "/DSS /%s: %v", kind.key, err)
		}
		var refs []ref
		for _, item := range kind.items {
			if n, err := derLength(item); err != nil || n != len(item) {
				return nil, errf(CodeBadSignature, "a /%s item is not one DER value", kind.key)
			}
			if have[string(item)] {
				continue
			}
			have[string(item)] = true
			r := e.alloc()
			var body bytes.Buffer
			fmt.Fprintf(&body, "<</Length %d>>\nstream\n", len(item))
			body.Write(item)
			body.WriteString("\nendstream")
			added = append(added, indirect{r, body.Bytes()})
			refs = append(refs, r)
		}
		if len(refs) == 0 {
			continue
		}
		c, err := e.appendRefs(dss.dict, kind.key, refs...)
		if err != nil {
			return nil, err
		}
		changed = changed || c
	}
	if len(added) == 0 {
		return prev, nil
	}
	if changed {
		if err := e.storeInCatalog(cat, "DSS", dss); err != nil {
			return nil, err
		}
	}
	inc, _ := e.write(added)
	return append(prev[:len(prev):len(prev)], inc...), nil
}

// streams reads the contents of an array of stream references, as a set.
func (e *editor) streams(v any) (map[string]bool, error) {
	arr, err := e.f.resolve(v)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	items, _ := arr.(array)
	for _, item := range items {
		r, ok := item.(ref)
		if !ok {
			return nil, fmt.Errorf("an entry is not a stream reference")
		}
		obj, err := e.f.object(r)
		if err != nil {
			return nil, err
		}
		s, ok := obj.(*stream)
		if !ok {
			return nil, fmt.Errorf("object %d is not a stream", r.num)
		}
		data, err := decode(s)
		if err != nil {
			return nil, fmt.Errorf("object %d: %v", r.num, err)
		}
		have[string(data)] = true
	}
	return have, nil
}

// CheckDSS verifies that next is prev plus exactly the DSS increment
// AppendDSS writes for the items it adds, and returns those items.
func CheckDSS(prev, next []byte) (Validation, error) {
	nf, size, err := appended(prev, next)
	if err != nil {
		return Validation{}, err
	}
	v, err := statedValidation(nf, size)
	if err != nil {
		return Validation{}, err
	}
	// What a reader will use to validate must be what the DSS says it is.
	for i, c := range v.Certs {
		if _, err := x509.ParseCertificate(c); err != nil {
			return Validation{}, errf(CodeIncrement, "/DSS /Certs item %d is not a certificate: %v", i+1, err)
		}
	}
	for i, c := range v.CRLs {
		if _, err := x509.ParseRevocationList(c); err != nil {
			return Validation{}, errf(CodeIncrement, "/DSS /CRLs item %d is not a CRL: %v", i+1, err)
		}
	}
	want, err := AppendDSS(prev, v)
	if err != nil {
		return Validation{}, errf(CodeIncrement, "the increment states items AppendDSS refuses: %v", err)
	}
	if !bytes.Equal(want, next) {
		return Validation{}, errf(CodeIncrement, "the increment is not a DSS increment for the items it adds")
	}
	return v, nil
}

// statedValidation reads the DSS items that are new objects (numbers from
// size on), in the order of /Certs then /CRLs.
func statedValidation(nf *file, size int) (Validation, error) {
	cat, err := nf.resolve(nf.trailer.get("Root"))
	catDict, ok := cat.(*dict)
	if err != nil || !ok {
		return Validation{}, errf(CodeIncrement, "the revision has no catalog")
	}
	dss, err := nf.resolve(catDict.get("DSS"))
	dssDict, ok := dss.(*dict)
	if err != nil || !ok {
		return Validation{}, errf(CodeIncrement, "the revision has no /DSS")
	}
	var v Validation
	for _, kind := range []struct {
		key name
		out *[][]byte
	}{{"Certs", &v.Certs}, {"CRLs", &v.CRLs}} {
		arr, err := nf.resolve(dssDict.get(kind.key))
		if err != nil {
			return Validation{}, errf(CodeIncrement, "/DSS /%s: %v", kind.key, err)
		}
		items, _ := arr.(array)
		for _, item := range items {
			r, ok := item.(ref)
			if !ok || r.num < size {
				continue
			}
			obj, err := nf.object(r)
			s, ok := obj.(*stream)
			if err != nil || !ok {
				return Validation{}, errf(CodeIncrement, "/DSS /%s: object %d is not a stream", kind.key, r.num)
			}
			*kind.out = append(*kind.out, s.raw)
		}
	}
	return v, nil
}

// Revisions returns where the revisions b holds may end: right after each
// "%%EOF" and, when they differ, after the line ends and spaces that follow
// it (writers differ; Prepare adds no EOL after one already there). A match
// inside binary data gives a false candidate, harmless to a caller that looks
// each prefix's hash up: the ledger holds only real revisions.
func Revisions(b []byte) []int {
	var ends []int
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("%%EOF"))
		if j < 0 {
			return ends
		}
		end := i + j + len("%%EOF")
		ends = append(ends, end)
		for end < len(b) && isWhite(b[end]) {
			end++
		}
		if end != ends[len(ends)-1] {
			ends = append(ends, end)
		}
		i = end
	}
}
