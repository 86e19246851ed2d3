package export

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/qrsign/qrsign/chaincode/model"
)

// CSVHeader is the fixed column order; spreadsheets and scripts rely on it.
var CSVHeader = []string{"id", "title", "docType", "status", "sha256", "owner", "createdAt", "completedAt", "signers", "tags"}

// CSVWriter writes one row per document after a header row.
type CSVWriter struct {
	out    io.Writer
	w      *csv.Writer
	bom    bool
	header bool
}

// bom is the UTF-8 byte-order mark: Excel reads a CSV as UTF-8 only after
// it, and encoding/csv readers must strip it.
const bom = "\ufeff"

// NewCSV starts a CSV export with CRLF line ends, as RFC 4180 says; withBOM
// starts it with a UTF-8 byte-order mark.
func NewCSV(w io.Writer, withBOM bool) *CSVWriter {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &CSVWriter{out: w, w: cw, bom: withBOM}
}

func (c *CSVWriter) Write(r Record) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.w.Write(csvRow(r.Document))
}

// start writes the BOM and header once.
func (c *CSVWriter) start() error {
	if c.header {
		return nil
	}
	c.header = true
	if c.bom {
		if _, err := io.WriteString(c.out, bom); err != nil {
			return err
		}
	}
	return c.w.Write(CSVHeader)
}

// Close writes the header if no record came, so an empty export still
// names its columns, and flushes.
func (c *CSVWriter) Close() error {
	if err := c.start(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

func csvRow(d model.DocumentView) []string {
	completed := ""
	if d.Status == model.StatusCompleted {
		completed = stampPtr(d.ClosedAt)
	}
	row := []string{d.ID, d.Title, d.DocType, string(status(d)), d.SHA256, d.Owner,
		stamp(d.CreatedAt), completed, signersCell(d.Signers), strings.Join(d.Tags, ";")}
	for i := range row {
		row[i] = defuseFormula(row[i])
	}
	return row
}

// signersCell is "mspId/id:STATUS@time;..." in registration order; the time
// is left out while a signer is pending.
func signersCell(ss []model.SignerState) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(s.Key())
		b.WriteByte(':')
		b.WriteString(string(s.Status))
		if s.At != nil {
			b.WriteByte('@')
			b.WriteString(stamp(*s.At))
		}
	}
	return b.String()
}

// defuseFormula stops a spreadsheet from evaluating a cell (CSV/formula
// injection, OWASP): titles come from uploaders, so a title such as
// "=HYPERLINK(...)" must stay text. A leading quote is what Excel and
// LibreOffice treat as "this is text".
func defuseFormula(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
