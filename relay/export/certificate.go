package export

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/i18n"
)

// A4 in points, and the page furniture around the content.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 48.0
	contentW     = pageW - 2*margin
	bandH        = 112.0 // first page's title band
	contBandH    = 44.0  // continuation pages' band
	footerTop    = 74.0  // content stops above this
	qrSide       = 118.0
)

// certLayout lays out one document's certificate: usually one page, more
// when many signers or events would not fit (they continue, never clip).
type certLayout struct {
	o     Options
	r     Record
	d     model.DocumentView
	url   string
	ix    ledgerIndex
	c     *canvas
	pages []int
	y     float64 // baseline cursor, moving down
}

// layoutCertificate draws document number n of an export on new pages of c.
func layoutCertificate(c *canvas, r Record, o Options, n int) error {
	l := &certLayout{o: o, r: r, d: r.Document, url: VerifyURL(o.PublicURL, r.Document.ID), ix: indexEvents(r.Events), c: c}
	c.replaced = false
	if err := l.firstPage(); err != nil {
		return err
	}
	l.signatures()
	l.events()
	l.footers()
	return c.p.Error()
}

func (l *certLayout) t(key string, args ...any) string { return msgs.T(l.o.Lang, key, args...) }

func (l *certLayout) page() { l.pages = append(l.pages, l.c.page()) }

// need starts a continuation page unless h more points fit on this one.
func (l *certLayout) need(h float64) {
	if l.y-h < footerTop {
		l.continuation()
	}
}

func (l *certLayout) continuation() {
	l.page()
	l.c.rect(0, pageH-contBandH, pageW, contBandH, navy)
	l.c.text(bold, 12, margin, pageH-27, l.t("continued", l.t(heading(l.d.Status))), white)
	l.c.textRight(regular, 9, pageW-margin, pageH-27, l.d.ID, paleWhite)
	l.y = pageH - contBandH - 30
}

func (l *certLayout) firstPage() error {
	l.page()
	c, d := l.c, l.d
	st := string(status(d))
	stWord := l.t(st)

	c.rect(0, pageH-bandH, pageW, bandH, navy)
	c.text(bold, 9, margin, pageH-34, l.t("banner"), paleWhite)
	c.text(bold, 24, margin, pageH-66, l.t(heading(d.Status)), white)
	c.text(regular, 10, margin, pageH-88, l.t("subtitle"), paleWhite)
	bw := c.width(bold, stWord, 10) + 24
	c.rect(pageW-margin-bw, pageH-72, bw, 24, statusColor(st))
	c.textCenter(bold, 10, pageW-margin-bw/2, pageH-63.5, stWord, white)

	// Right column: the QR code that opens the public verification page.
	top := pageH - bandH - 28
	qx := pageW - margin - qrSide
	if err := c.qr(l.url, qx, top-qrSide, qrSide); err != nil {
		return err
	}
	c.textCenter(bold, 9, qx+qrSide/2, top-qrSide-16, l.t("scan"), ink)
	uy := top - qrSide - 27
	for _, line := range c.wrap(code, l.url, 6.5, qrSide+20) {
		c.textCenter(code, 6.5, qx+qrSide/2, uy, line, muted)
		uy -= 8
	}

	// Left column: what the document is.
	leftW := qx - margin - 24
	y := top - 8
	c.text(bold, 7.5, margin, y, l.t("document"), muted)
	y -= 19
	title := c.wrap(bold, oneLine(d.Title), 15, leftW)
	if len(title) > 3 { // titles run to 256 characters: three lines, then an ellipsis
		rest := strings.Join(title[2:], " ")
		title = append(title[:2], c.fitText(bold, rest, 15, leftW))
	}
	for _, line := range title {
		c.text(bold, 15, margin, y, line, ink)
		y -= 19
	}
	y -= 8
	colW := leftW / 2
	closed := ""
	if d.ClosedAt != nil {
		closed = human(*d.ClosedAt)
	}
	grid := [][2][2]string{
		{{l.t("docID"), d.ID}, {l.t("type"), d.DocType}},
		{{l.t("owner"), d.Owner + " (" + d.OwnerMSP + ")"}, {l.t("size"), size(l.o.Lang, d.Size) + ", " + d.MediaType}},
		{{l.t("registered"), human(d.CreatedAt)}, {l.t(closedKey(d.Status)), orDash(closed)}},
	}
	for _, row := range grid {
		for i, cell := range row {
			x := margin + float64(i)*colW
			c.text(bold, 7, x, y, strings.ToUpper(cell[0]), muted)
			c.text(regular, 10, x, y-13, c.fitText(regular, cell[1], 10, colW-10), ink)
		}
		y -= 32
	}
	if y > uy-6 {
		y = uy - 6
	}

	// The hash the signatures are bound to, in full, in a panel.
	y -= 6
	c.rect(margin, y-40, contentW, 44, panel)
	c.rect(margin, y-40, 3, 44, navy)
	c.text(bold, 7, margin+14, y-11, l.t("hash"), muted)
	c.text(code, 10.5, margin+14, y-29, d.SHA256, ink)
	y -= 58

	// Where the record lives on the ledger.
	l.y = y
	l.txLine(l.t("in", l.t("registered")), d.CreatedTxID)
	if d.ClosedTxID != "" {
		l.txLine(l.t("in", l.t(closedKey(d.Status))), d.ClosedTxID)
	}
	l.y -= 10
	return nil
}

// txLine is "Label  <tx id>  block N" in small type.
func (l *certLayout) txLine(label, tx string) {
	l.c.text(bold, 7.5, margin, l.y, strings.ToUpper(label), muted)
	l.c.text(code, 7.5, margin+80, l.y, tx, ink)
	if b, ok := l.ix.block(tx); ok {
		l.c.text(regular, 8, margin+80+l.c.width(code, tx, 7.5)+10, l.y, l.t("block", b), ink)
	}
	l.y -= 12
}

func (l *certLayout) section(title string) {
	l.need(40)
	l.y -= 6
	l.c.text(bold, 12, margin, l.y, title, navy)
	l.y -= 7
	l.c.hline(margin, l.y, contentW, hairline)
	l.y -= 16
}

func (l *certLayout) signatures() {
	rows := signerRows(l.r)
	l.section(l.t("signatures", len(rows)))
	const labelW = 86.0
	valueW := contentW - 16 - labelW
	for i, s := range rows {
		type detail struct {
			label string
			f     font
			size  float64
			lines []string
		}
		var ds []detail
		add := func(key string, f font, size float64, v string) {
			if v != "" {
				ds = append(ds, detail{l.t(key), f, size, l.c.wrap(f, v, size, valueW)})
			}
		}
		add("subject", regular, 8.5, s.Subject)
		add("issuer", regular, 8.5, s.Issuer)
		add("serial", code, 7.5, s.Serial)
		add("fingerprint", code, 7.5, s.Fingerprint)
		if s.TxID != "" {
			tx := s.TxID
			if s.HasBlock {
				tx += "  (" + l.t("block", s.Block) + ")"
			}
			add("transaction", code, 7.5, tx)
		}
		add("reason", regular, 8.5, s.Reason)
		if s.Status == model.SignerPending {
			add("awaiting", regular, 8.5, l.t("noSignature"))
		}
		h := 30.0
		for _, d := range ds {
			h += 11 * float64(len(d.lines))
		}
		l.need(h + 8)
		c, top := l.c, l.y+12
		st := string(s.Status)
		c.rect(margin, top-h, contentW, h, panel)
		c.rect(margin, top-h, 3, h, statusColor(st))
		// Right: status and time; left: name, then org and order in what
		// room is left (ids run to 64 characters).
		x := pageW - margin - 12
		if s.At != nil {
			when := human(*s.At)
			c.textRight(regular, 8.5, x, top-17, when, ink)
			x -= c.width(regular, when, 8.5) + 10
		}
		word := l.t(st)
		c.textRight(bold, 8.5, x, top-17, word, statusColor(st))
		room := x - c.width(bold, word, 8.5) - 16 - (margin + 14)
		name := c.fitText(bold, fmt.Sprintf("%d.  %s", i+1, s.ID), 11, room)
		c.text(bold, 11, margin+14, top-17, name, ink)
		if left := room - c.width(bold, name, 11) - 8; left > 40 {
			org := s.MSPID + "  ·  " + l.t("routing", s.RoutingOrder)
			c.text(regular, 8.5, margin+14+c.width(bold, name, 11)+8, top-17, c.fitText(regular, org, 8.5, left), muted)
		}
		y := top - 32
		for _, d := range ds {
			c.text(bold, 7, margin+14, y, strings.ToUpper(d.label), muted)
			for _, line := range d.lines {
				c.text(d.f, d.size, margin+14+labelW, y, line, ink)
				y -= 11
			}
		}
		l.y = top - h - 8 - 12
	}
}

func (l *certLayout) events() {
	if len(l.r.Events) == 0 {
		return
	}
	l.y -= 4
	l.section(l.t("events"))
	cols := []float64{margin, margin + 28, margin + 150, margin + 262, margin + 312}
	head := func() {
		for i, h := range []string{"colSeq", "colEvent", "colTime", "colBlock", "colTx"} {
			l.c.text(bold, 7, cols[i], l.y, l.t(h), muted)
		}
		l.y -= 13
	}
	head()
	for _, e := range l.r.Events {
		if l.y-12 < footerTop {
			l.continuation()
			head()
		}
		ev := e.Event
		cells := []string{strconv.Itoa(ev.Seq), string(ev.Type), human(ev.Timestamp), strconv.FormatUint(e.BlockNumber, 10)}
		for i, v := range cells {
			l.c.text(regular, 8, cols[i], l.y, v, ink)
		}
		l.c.text(code, 7, cols[4], l.y, l.c.fitText(code, ev.TxID, 7, pageW-margin-cols[4]), ink)
		l.y -= 12
	}
}

// footers are drawn last, when the page count is known, on each page of the
// document; drawing then goes on after its last page.
func (l *certLayout) footers() {
	c := l.c
	by := l.t("generatedFrom")
	if l.o.Issuer != "" {
		by += l.t("by", l.o.Issuer)
	}
	if !l.o.GeneratedAt.IsZero() {
		by += l.t("on", human(l.o.GeneratedAt))
	}
	for i, pg := range l.pages {
		c.setPage(pg)
		c.hline(margin, 56, contentW, hairline)
		c.text(regular, 7, margin, 44, c.fitText(regular, by+l.t("period"), 7, contentW-90), muted)
		c.text(regular, 7, margin, 34, c.fitText(regular, l.t("authoritative", l.url), 7, contentW-90), muted)
		c.textRight(regular, 7, pageW-margin, 44, l.t("page", i+1, len(l.pages)), muted)
	}
	if c.replaced { // once, under the first page's footer
		c.setPage(l.pages[0])
		c.text(regular, 7, margin, 24, c.fitText(regular, l.t("glyphNote"), 7, contentW), muted)
	}
	c.setPage(l.pages[len(l.pages)-1])
}

// heading is the message key of the page's name: only a completed document
// gets a certificate of completion; others get a record of where signing
// stands.
func heading(s model.Status) string {
	if s == model.StatusCompleted {
		return "certificate"
	}
	return "record"
}

// closedKey is the message key of the time a document closed.
func closedKey(s model.Status) string {
	switch s {
	case model.StatusCompleted:
		return "completed"
	case model.StatusDeclined:
		return "declined"
	case model.StatusVoided:
		return "voided"
	}
	return "closed"
}

// human is a timestamp for people: unambiguous, UTC, no "T".
func human(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func orDash(s string) string {
	if s == "" {
		return "\u2014"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func size(l i18n.Lang, n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return msgs.T(l, "bytes", n)
}

// stampDates sets the document's dates: the generation time, or a fixed
// one (the Unix epoch) so output without it stays byte-for-byte the same.
func stampDates(c *canvas, at time.Time) {
	if at.IsZero() {
		at = time.Unix(0, 0)
	}
	c.p.SetCreationDate(at.UTC())
	c.p.SetModificationDate(at.UTC())
}
