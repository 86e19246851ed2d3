package pades

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// formPDF already has an indirect form with a text field, an indirect
// /Fields array and an indirect /Annots array: the increment must extend
// those objects, not the catalog or the page.
func formPDF() []byte {
	return padestest.Handmade(
		"<</Type /Catalog /Pages 2 0 R /AcroForm 6 0 R>>",
		"<</Type /Pages /Kids [3 0 R] /Count 1>>",
		"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources <</Font <</F1 5 0 R>>>> /Annots 8 0 R>>",
		fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(padestest.PageContent), padestest.PageContent),
		"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>",
		"<</Fields 7 0 R /DA (/Helv 0 Tf 0 g)>>",
		"[9 0 R]",
		"[9 0 R]",
		"<</Type /Annot /Subtype /Widget /FT /Tx /T (Name) /Rect [72 600 300 620] /P 3 0 R /V (Alice)>>",
	)
}

func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian: qpdf, poppler-utils, mupdf-tools, libnss3-tools, openssl)", tool)
		}
	}
}

// run runs a tool and returns its combined output; failing is the caller's call.
func run(t testing.TB, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// fixtures are PDFs as common producers write them: classic xref tables,
// xref streams with object streams, linearized files, an existing form.
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	need(t, "qpdf", "mutool")
	dir := t.TempDir()
	in := filepath.Join(dir, "simple.pdf")
	if err := os.WriteFile(in, padestest.SimplePDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "page.txt")
	if err := os.WriteFile(page, []byte("%%MediaBox 0 0 595 842\n%%Font Helv Helvetica\nBT /Helv 24 Tf 72 760 Td (Contract to sign) Tj ET\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	form := filepath.Join(dir, "form.pdf")
	if err := os.WriteFile(form, formPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{"handmade": padestest.SimplePDF(), "handmade-form": formPDF()}
	for name, cmd := range map[string][]string{
		"mutool-create":    {"mutool", "create", "-O", "compress", "-o", "OUT", page},
		"mutool-clean":     {"mutool", "clean", "-gg", "-z", in, "OUT"},
		"qpdf-classic":     {"qpdf", "--object-streams=disable", in, "OUT"},
		"qpdf-objstm":      {"qpdf", "--object-streams=generate", in, "OUT"},
		"qpdf-linearized":  {"qpdf", "--linearize", "--object-streams=generate", in, "OUT"},
		"qpdf-form-objstm": {"qpdf", "--object-streams=generate", form, "OUT"},
	} {
		path := filepath.Join(dir, name+".pdf")
		for i, a := range cmd {
			if a == "OUT" {
				cmd[i] = path
			}
		}
		if msg, err := run(t, cmd[0], cmd[1:]...); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, msg)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}
