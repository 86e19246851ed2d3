package export

import (
	"net/url"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/i18n"
)

// Record is one document to export.
type Record struct {
	Document model.DocumentView `json:"document"`
	// Events are the document's ledger events (optional). They supply what
	// the view does not hold: certificate subject and issuer of each signer,
	// and the block of each transaction.
	Events []Event `json:"events,omitempty"`
}

// Event is a ledger event and the block that committed it. Its JSON shape is
// that of an entry of the relay's provenance answer, so that answer decodes
// straight into a Record.
type Event struct {
	Event       model.Event `json:"event"`
	BlockNumber uint64      `json:"blockNumber"`
}

// Options are the settings shared by all formats.
type Options struct {
	// PublicURL is the relay's public base URL; verification links are
	// <PublicURL>/verify?doc=<id>. Required for PDF.
	PublicURL string
	// GeneratedAt is stamped on TXT and PDF output. Zero leaves it out, which
	// keeps output byte-for-byte reproducible.
	GeneratedAt time.Time
	// Issuer names who produced the export (e.g. "Org1 relay"); optional.
	Issuer string
	// Lang is the language of TXT and PDF words; zero is English. Data
	// (titles, ids, codes) is never translated.
	Lang i18n.Lang
	// Fonts draw PDFs (LoadFonts). Required for PDF.
	Fonts *Fonts
	// BOM starts a CSV with a UTF-8 byte-order mark, which Excel needs to
	// read UTF-8 (Chinese-locale Windows guesses GBK otherwise).
	BOM bool
}

// VerifyURL is the public verification link of a document.
func VerifyURL(publicURL, docID string) string {
	return strings.TrimRight(publicURL, "/") + "/verify?doc=" + url.QueryEscape(docID)
}

// status is the status a reader should see: expiry included.
func status(d model.DocumentView) model.Status {
	if d.EffectiveStatus != "" {
		return d.EffectiveStatus
	}
	return d.Status
}

// stamp renders a time the same way in every format: RFC 3339, UTC, seconds.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func stampPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return stamp(*t)
}
