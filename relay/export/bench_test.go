package export_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/export"
)

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func thousand() []export.Record {
	recs := make([]export.Record, 1000)
	for i := range recs {
		r := completedRecord()
		r.Document.ID = fmt.Sprintf("contract-%04d", i)
		recs[i] = r
	}
	return recs
}

// BenchmarkPDF1000 exports a 1,000-document history: one page and one QR
// code each. Reports bytes/op (the PDF's size) and the time per document.
func BenchmarkPDF1000(b *testing.B) {
	recs := thousand()
	o := export.Options{PublicURL: "https://sign.example.com", Fonts: fonts(b)}
	var size int64
	cpu0 := cpuTime()
	start := time.Now()
	for b.Loop() {
		cw := &countWriter{}
		if err := export.Write(export.PDF, cw, recs, o); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	per := time.Since(start) / time.Duration(b.N)
	cpu := (cpuTime() - cpu0) / time.Duration(b.N)
	if *keep != "" { // for a look, or qpdf --check
		f, _ := os.Create(filepath.Join(*keep, "thousand.pdf"))
		export.Write(export.PDF, f, recs, o)
		f.Close()
	}
	b.ReportMetric(float64(size), "bytes/op")
	b.ReportMetric(float64(size)/1000, "bytes/doc")
	b.ReportMetric(float64(cpu.Milliseconds()), "cpu-ms/op")
	b.Logf("1,000 documents: %d bytes (%.1f KiB/page); wall %v per export, CPU %v (%v per document; CPU is the figure to trust on a shared machine)",
		size, float64(size)/1000/1024, per.Round(time.Millisecond), cpu.Round(time.Millisecond), (cpu / 1000).Round(time.Microsecond))
}

// BenchmarkPDFOne is the fixed cost of a PDF: one certificate, with the
// font parsed by fpdf and its subset written (the font file itself is read
// once per process, by LoadFonts).
func BenchmarkPDFOne(b *testing.B) {
	recs := []export.Record{completedRecord()}
	recs[0].Document.Title = "劳动合同 2026"
	o := export.Options{PublicURL: "https://sign.example.com", Fonts: fonts(b), Lang: "zh-CN"}
	var size int64
	cpu0 := cpuTime()
	for b.Loop() {
		cw := &countWriter{}
		if err := export.Write(export.PDF, cw, recs, o); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(size), "bytes/op")
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkPDF1000ToOne is the long export's speed as a ratio that does
// not depend on the machine: CPU time of 1,000 certificates over that of a
// one-certificate PDF, measured side by side (a collection between them, so
// neither pays for the other's garbage). Before page deflating and the
// encoder pool a thousand cost 34 to 37 single exports; then 27 to 41 on a
// loaded machine, and 22 to 27 with QR codes by qrEncode as inline images.
func BenchmarkPDF1000ToOne(b *testing.B) {
	recs := thousand()
	o := export.Options{PublicURL: "https://sign.example.com", Fonts: fonts(b)}
	var many, one time.Duration
	for b.Loop() {
		for _, part := range []struct {
			recs []export.Record
			sum  *time.Duration
		}{{recs[:1], &one}, {recs, &many}} {
			runtime.GC()
			t := cpuTime()
			if err := export.Write(export.PDF, io.Discard, part.recs, o); err != nil {
				b.Fatal(err)
			}
			*part.sum += cpuTime() - t
		}
	}
	b.ReportMetric(float64(many)/float64(one), "x-one")
}

func BenchmarkCSV1000(b *testing.B) {
	recs := thousand()
	for b.Loop() {
		if err := export.Write(export.CSV, io.Discard, recs, export.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTXT1000(b *testing.B) {
	recs := thousand()
	for b.Loop() {
		if err := export.Write(export.TXT, io.Discard, recs, export.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the process's user+system CPU time: unlike wall time, it does
// not grow when other work shares the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
