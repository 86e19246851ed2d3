package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/qrsign/qrsign/chaincode/model"
)

// txtWidth is the report's line width in terminal columns: fits a terminal
// and a printed page. Chinese characters take two columns each.
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

func (t *TXTWriter) tr(key string, args ...any) string { return msgs.T(t.o.Lang, key, args...) }

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
	word := t.tr(string(st))
	t.line(head + pad(txtWidth-cols(head)-cols(word)) + word)
	t.wrapped(t.tr("txtTitle"), d.Title)
	t.field(t.tr("type"), d.DocType)
	t.field(t.tr("owner"), fmt.Sprintf("%s (%s)", d.Owner, d.OwnerMSP))
	t.field("SHA-256", d.SHA256)
	t.field(t.tr("size"), t.tr("txtSize", d.Size, d.MediaType))
	t.field(t.tr("txtExpires"), stamp(d.ExpiresAt))
	t.txField(t.tr("txtCreated"), stamp(d.CreatedAt), d.CreatedTxID, ix)
	if d.ClosedAt != nil {
		t.txField(t.tr(closedKey(d.Status)), stampPtr(d.ClosedAt), d.ClosedTxID, ix)
	}
	if len(d.Tags) > 0 {
		t.field(t.tr("txtTags"), strings.Join(d.Tags, ", "))
	}
	if t.o.PublicURL != "" {
		t.field(t.tr("txtVerify"), VerifyURL(t.o.PublicURL, d.ID))
	}
	t.line("    " + t.tr("txtSigners"))
	for i, s := range signerRows(r) {
		at := stampPtr(s.At)
		if at == "" {
			at = "-"
		}
		blk := ""
		if s.HasBlock {
			blk = t.tr("block", s.Block)
		}
		who := fmt.Sprintf("%2d. %s", i+1, clean(s.Key()))
		t.line("    " + padRight(fit(who, 34), 34) + " " + padRight(t.tr(string(s.Status)), 8) + "  " + padRight(at, 20) + "  " + blk)
		t.sub(t.tr("txtOrder"), fmt.Sprint(s.RoutingOrder))
		t.sub(t.tr("txtTx"), s.TxID)
		t.sub(t.tr("txtSubject"), s.Subject)
		t.sub(t.tr("txtIssuer"), s.Issuer)
		t.sub(t.tr("txtSerial"), s.Serial)
		t.sub(t.tr("reason"), s.Reason)
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
			parts = append(parts, t.tr("txtCount", c, t.tr("txt"+string(s))))
		}
	}
	sum := t.tr("txtDocuments", t.n)
	if t.n == 1 {
		sum = t.tr("txtDocument")
	}
	if len(parts) > 0 {
		sum += t.tr("txtColon") + strings.Join(parts, t.tr("txtComma"))
	}
	t.line(sum)
	return t.w.Flush()
}

func (t *TXTWriter) banner() {
	t.line(t.tr("history"))
	var by []string
	if !t.o.GeneratedAt.IsZero() {
		by = append(by, t.tr("txtGenerated", stamp(t.o.GeneratedAt)))
	}
	if t.o.Issuer != "" {
		by = append(by, t.tr("txtBy", clean(t.o.Issuer)))
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
	t.line("    " + padRight(label, 10) + " " + clean(value))
}

func (t *TXTWriter) txField(label, at, tx string, ix ledgerIndex) {
	v := at
	if b, ok := ix.block(tx); ok {
		v += "  " + t.tr("block", b)
	}
	t.field(label, v)
	if tx != "" {
		t.line("      " + padRight(t.tr("txtTx"), 8) + " " + clean(tx))
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
		t.line("        " + padRight(label, 7) + " " + l)
	}
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

// runeCols is how many terminal columns r takes: two for East Asian wide
// and fullwidth characters (UAX #11), none for combining marks.
func runeCols(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// cols is the display width of s.
func cols(s string) int {
	n := 0
	for _, r := range s {
		n += runeCols(r)
	}
	return n
}

// padRight pads s with spaces to n columns.
func padRight(s string, n int) string {
	if c := cols(s); c < n {
		return s + strings.Repeat(" ", n-c)
	}
	return s
}

// fit cuts s to n columns, ending in "..." when it had to cut.
func fit(s string, n int) string {
	if cols(s) <= n {
		return s
	}
	w := 0
	for i, r := range s {
		if w+runeCols(r) > n-3 {
			return s[:i] + "..."
		}
		w += runeCols(r)
	}
	return s
}

func pad(n int) string {
	if n < 1 {
		n = 1
	}
	return strings.Repeat(" ", n)
}

// wrapText breaks s into lines of at most n columns, after a space or a
// comma where it can (titles, certificate names), anywhere where it must
// (between Chinese characters is a normal place to break).
func wrapText(s string, n int) []string {
	rs := []rune(strings.TrimSpace(s))
	var out []string
	for cols(string(rs)) > n {
		cut, w := 0, 0
		for cut < len(rs) && w+runeCols(rs[cut]) <= n {
			w += runeCols(rs[cut])
			cut++
		}
		for i := cut; i > cut/2; i-- {
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
