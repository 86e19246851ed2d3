package evidence

import (
	"fmt"
	"io"
)

// Check is one thing Verify checked.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Report is every check Verify made, in order.
type Report struct {
	DocumentID string  `json:"documentId"`
	Checks     []Check `json:"checks"`
}

// OK reports whether there were checks and all passed.
func (r *Report) OK() bool {
	if len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Failures are the checks that failed.
func (r *Report) Failures() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

func (r *Report) add(name string, err error, okDetail string) bool {
	if err != nil {
		r.Checks = append(r.Checks, Check{Name: name, Detail: err.Error()})
		return false
	}
	r.Checks = append(r.Checks, Check{Name: name, OK: true, Detail: okDetail})
	return true
}

// Print writes one line per check and a verdict line.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "evidence of document %s\n", r.DocumentID)
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, c.Name, c.Detail)
	}
	if r.OK() {
		fmt.Fprintf(w, "VERIFIED: %d checks passed\n", len(r.Checks))
	} else {
		fmt.Fprintf(w, "NOT VERIFIED: %d of %d checks failed\n", len(r.Failures()), len(r.Checks))
	}
}
