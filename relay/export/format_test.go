package export_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/qrsign/qrsign/relay/export"
)

func TestFormatErrorsAreExact(t *testing.T) {
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"UnknownFormatName", func() error { _, err := export.ParseFormat("xlsx"); return err },
			`export: unknown format "xlsx" (want csv, txt or pdf)`},
		{"FormatNamesAreLowercase", func() error { _, err := export.ParseFormat("PDF"); return err },
			`export: unknown format "PDF" (want csv, txt or pdf)`},
		{"NewWithUnknownFormat", func() error { _, err := export.New("doc", &bytes.Buffer{}, export.Options{}); return err },
			`export: unknown format "doc" (want csv, txt or pdf)`},
		{"PDFWithoutPublicURL", func() error { _, err := export.NewPDF(&bytes.Buffer{}, export.Options{}); return err },
			"export: PDF needs Options.PublicURL for the verification QR code"},
		{"PDFWithoutFonts", func() error {
			_, err := export.NewPDF(&bytes.Buffer{}, export.Options{PublicURL: publicURL})
			return err
		},
			"export: PDF needs Options.Fonts (LoadFonts)"},
		{"PDFWriteAfterClose", func() error {
			w, _ := export.NewPDF(&bytes.Buffer{}, export.Options{PublicURL: publicURL, Fonts: fonts(t)})
			w.Close()
			return w.Write(pendingRecord())
		}, "export: write after Close"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// An entry of the relay's provenance answer decodes into an export.Event,
// so GET /v1/documents/{id}/provenance maps onto a Record without glue.
func TestProvenanceJSONDecodesIntoARecord(t *testing.T) {
	want := completedRecord()
	prov, _ := json.Marshal(map[string]any{"documentId": want.Document.ID, "document": want.Document, "events": want.Events})
	var got export.Record
	if err := json.Unmarshal(prov, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Events, want.Events) || got.Document.ID != want.Document.ID {
		t.Fatalf("round trip lost data:\n%+v", got.Events)
	}
}

func TestEmptyPDFExportIsOneExplanatoryPage(t *testing.T) {
	var buf bytes.Buffer
	if err := export.Write(export.PDF, &buf, nil, export.Options{PublicURL: publicURL, Fonts: fonts(t)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("/Count 1\n")) {
		t.Error("empty export is not a one-page PDF")
	}
}

// The same records and options give the same bytes: exports can be hashed
// and compared.
func TestExportsAreByteForByteReproducible(t *testing.T) {
	for _, f := range []export.Format{export.CSV, export.TXT, export.PDF} {
		var a, b bytes.Buffer
		o := export.Options{PublicURL: publicURL, Fonts: fonts(t)}
		recs := []export.Record{completedRecord(), pendingRecord()}
		export.Write(f, &a, recs, o)
		export.Write(f, &b, recs, o)
		if !bytes.Equal(a.Bytes(), b.Bytes()) || a.Len() == 0 {
			t.Errorf("%s: two exports differ", f)
		}
	}
}
