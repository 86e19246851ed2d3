package padestest

import (
	"encoding/json"
	"fmt"
	"os/exec"
)

// ReadDSS reads the document security store (/DSS /Certs and /CRLs, in
// order, each stream's bytes as stored) of the PDF at path with qpdf's
// JSON: a reader nobody here wrote, for tests of what a DSS holds.
func ReadDSS(path string) (certs, crls [][]byte, err error) {
	out, err := exec.Command("qpdf", "--json=2", "--json-key=qpdf", "--json-stream-data=inline", "--decode-level=none", path).Output()
	if err != nil {
		return nil, nil, fmt.Errorf("qpdf --json: %w", err)
	}
	var doc struct {
		QPDF []json.RawMessage `json:"qpdf"` // a header, then the objects
	}
	var objs map[string]struct {
		Value  any `json:"value"`
		Stream struct {
			Data []byte `json:"data"`
		} `json:"stream"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.QPDF) != 2 {
		return nil, nil, fmt.Errorf("qpdf --json: not a header and objects (%v)", err)
	}
	if err := json.Unmarshal(doc.QPDF[1], &objs); err != nil {
		return nil, nil, fmt.Errorf("qpdf --json objects: %w", err)
	}
	trailer, _ := objs["trailer"].Value.(map[string]any)
	root, _ := trailer["/Root"].(string)
	catalog, _ := objs["obj:"+root].Value.(map[string]any)
	dss, ok := catalog["/DSS"].(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("the catalog %s has no direct /DSS dictionary", root)
	}
	for key, out := range map[string]*[][]byte{"/Certs": &certs, "/CRLs": &crls} {
		refs, _ := dss[key].([]any)
		for _, r := range refs {
			ref, _ := r.(string)
			*out = append(*out, objs["obj:"+ref].Stream.Data)
		}
	}
	return certs, crls, nil
}
