package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/qrsign/qrsign/chaincode/model"
)

// txtWidth is the report's line width: fits a terminal and a printed page.
const txtWidth = 80

// TXTWriter writes a fixed-width, human-readable report.
type TXTWriter struct {
	w      *bufio.Writer
	o      Options
	n      int
	counts map[model.Status]int
}

// NewTXT starts a text report.
func NewTXT(w io.Writer, o Options) *TXTWriter {
	return &TXTWriter{w: bufio.NewWriter(w), o: o, counts: map[model.Status]int{}}
}

func (t *TXTWriter) Write(r Record) error {
	if t.n == 0 {
		t.banner()
	} else {
		t.line(strings.Repeat("-", txtWidth))
	}
	t.n++
	d := r.Document
	st := status(d)
	t.counts[st]++
	ix := indexEvents(r.Events)

	head := fmt.Sprintf("[%d] %s", t.n, clean(d.ID))
	t.line(head + pad(txtWidth-utf8.RuneCountInString(head)-len(st)) + string(st))
	t.wrapped("Title", d.Title)
	t.field("Type", d.DocType)
	t.field("Owner", fmt.Sprintf("%s (%s)", d.Owner, d.OwnerMSP))
	t.field("SHA-256", d.SHA256)
	t.field("Size", fmt.Sprintf("%d bytes, %s", d.Size, d.MediaType))
	t.field("Expires", stamp(d.ExpiresAt))
	t.txField("Created", stamp(d.CreatedAt), d.CreatedTxID, ix)
	if d.ClosedAt != nil {
		t.txField(closedLabel(d.Status), stampPtr(d.ClosedAt), d.ClosedTxID, ix)
	}
	if len(d.Tags) > 0 {
		t.field("Tags", strings.Join(d.Tags, ", "))
	}
	if t.o.PublicURL != "" {
		t.field("Verify", VerifyURL(t.o.PublicURL, d.ID))
	}
	t.line("    Signers")
	for i, s := range signerRows(r) {
		at := stampPtr(s.At)
		if at == "" {
			at = "-"
		}
		blk := ""
		if s.HasBlock {
			blk = fmt.Sprintf("block %d", s.Block)
		}
		who := fmt.Sprintf("%2d. %s", i+1, clean(s.Key()))
		t.line(fmt.Sprintf("    %-34s %-8s  %-20s  %s", fit(who, 34), s.Status, at, blk))
		t.sub("order", fmt.Sprint(s.RoutingOrder))
		t.sub("tx", s.TxID)
		t.sub("subject", s.Subject)
		t.sub("issuer", s.Issuer)
		t.sub("serial", s.Serial)
		t.sub("reason", s.Reason)
	}
	return t.w.Flush()
}

// Close writes the summary: how many documents, by status in a fixed order.
func (t *TXTWriter) Close() error {
	if t.n == 0 {
		t.banner()
	}
	t.line(strings.Repeat("=", txtWidth))
	parts := []string{}
	for _, s := range []model.Status{model.StatusPending, model.StatusCompleted, model.StatusDeclined, model.StatusVoided, model.StatusExpired} {
		if c := t.counts[s]; c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, strings.ToLower(string(s))))
		}
	}
	sum := fmt.Sprintf("%d document%s", t.n, plural(t.n))
	if len(parts) > 0 {
		sum += ": " + strings.Join(parts, ", ")
	}
	t.line(sum)
	return t.w.Flush()
}

func (t *TXTWriter) banner() {
	t.line("QRSIGN DOCUMENT HISTORY")
	var by []string
	if !t.o.GeneratedAt.IsZero() {
		by = append(by, "Generated "+stamp(t.o.GeneratedAt))
	}
	if t.o.Issuer != "" {
		by = append(by, "by "+clean(t.o.Issuer))
	}
	if len(by) > 0 {
		t.line(strings.Join(by, " "))
	}
	t.line(strings.Repeat("=", txtWidth))
}

func (t *TXTWriter) line(s string) { t.w.WriteString(strings.TrimRight(s, " ") + "\n") }

func (t *TXTWriter) field(label, value string) {
	if value == "" {
		return
	}
	t.line(fmt.Sprintf("    %-10s %s", label, clean(value)))
}

func (t *TXTWriter) txField(label, at, tx string, ix ledgerIndex) {
	v := at
	if b, ok := ix.block(tx); ok {
		v += fmt.Sprintf("  block %d", b)
	}
	t.field(label, v)
	if tx != "" {
		t.line("      tx       " + clean(tx))
	}
}

// wrapped is a field whose value may be longer than a line (titles).
func (t *TXTWriter) wrapped(label, value string) {
	for i, l := range wrapText(strings.Join(strings.Fields(clean(value)), " "), txtWidth-15) {
		if i == 0 {
			t.field(label, l)
		} else {
			t.line(pad(15) + l)
		}
	}
}

// sub is a signer's detail line; long certificate names wrap at commas.
func (t *TXTWriter) sub(label, value string) {
	if value == "" {
		return
	}
	for i, l := range wrapText(clean(value), txtWidth-16) {
		if i > 0 {
			label = ""
		}
		t.line(fmt.Sprintf("        %-7s %s", label, l))
	}
}

func closedLabel(s model.Status) string {
	switch s {
	case model.StatusCompleted:
		return "Completed"
	case model.StatusDeclined:
		return "Declined"
	case model.StatusVoided:
		return "Voided"
	}
	return "Closed"
}

// clean drops control characters (a title must not move the cursor or
// carry terminal escape sequences into someone's shell) and folds newlines.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}

func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-3]) + "..."
}

func pad(n int) string {
	if n < 1 {
		n = 1
	}
	return strings.Repeat(" ", n)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// wrapText breaks s into lines of at most n runes, after a space or a comma
// where it can (titles, certificate names), mid-word where it must.
func wrapText(s string, n int) []string {
	rs := []rune(strings.TrimSpace(s))
	var out []string
	for len(rs) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if rs[i-1] == ',' || rs[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimRight(string(rs[:cut]), " "))
		rs = []rune(strings.TrimLeft(string(rs[cut:]), " "))
	}
	return append(out, string(rs))
}
