package export

import (
	"fmt"
	"io"
)

// Format is an export format.
type Format string

const (
	CSV Format = "csv"
	TXT Format = "txt"
	PDF Format = "pdf"
)

// ParseFormat accepts a format name as a query parameter would carry it.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case CSV, TXT, PDF:
		return f, nil
	}
	return "", fmt.Errorf("export: unknown format %q (want csv, txt or pdf)", s)
}

// ContentType is the media type to serve the format with.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8; header=present"
	case TXT:
		return "text/plain; charset=utf-8"
	case PDF:
		return "application/pdf"
	}
	return "application/octet-stream"
}

// Writer streams records in one format. Close finishes the output (the PDF
// trailer, the TXT summary); it does not close the underlying io.Writer.
type Writer interface {
	Write(Record) error
	Close() error
}

// New starts an export in format f to w.
func New(f Format, w io.Writer, o Options) (Writer, error) {
	switch f {
	case CSV:
		return NewCSV(w, o.BOM), nil
	case TXT:
		return NewTXT(w, o), nil
	case PDF:
		return NewPDF(w, o)
	}
	return nil, fmt.Errorf("export: unknown format %q (want csv, txt or pdf)", string(f))
}

// Write exports recs in format f to w.
func Write(f Format, w io.Writer, recs []Record, o Options) error {
	ew, err := New(f, w, o)
	if err != nil {
		return err
	}
	for i := range recs {
		if err := ew.Write(recs[i]); err != nil {
			return err
		}
	}
	return ew.Close()
}
