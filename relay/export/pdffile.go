package export

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// pdfFile writes PDF 1.4 objects in order and remembers where each starts,
// so the cross-reference table at the end can point at them. Objects are
// written as soon as they are complete: memory stays flat for long exports.
type pdfFile struct {
	w       *bufio.Writer
	n       int64   // bytes written so far: the next object's offset
	offsets []int64 // by object number; [0] is the free-list head
	err     error
	z       bytes.Buffer
	zw      *zlib.Writer // reused: a new compressor allocates ~1 MB of state
}

func newPDFFile(w io.Writer) *pdfFile {
	f := &pdfFile{w: bufio.NewWriterSize(w, 64<<10), offsets: []int64{0}}
	// The comment of high bytes tells transfer tools the file is binary.
	f.printf("%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n")
	return f
}

func (f *pdfFile) printf(format string, args ...any) {
	if f.err != nil {
		return
	}
	n, err := fmt.Fprintf(f.w, format, args...)
	f.n += int64(n)
	f.err = err
}

func (f *pdfFile) write(b []byte) {
	if f.err != nil {
		return
	}
	n, err := f.w.Write(b)
	f.n += int64(n)
	f.err = err
}

// alloc reserves an object number, so objects can refer to ones written later.
func (f *pdfFile) alloc() int {
	f.offsets = append(f.offsets, -1)
	return len(f.offsets) - 1
}

// object writes object num with a dictionary or other direct body.
func (f *pdfFile) object(num int, body string) {
	f.offsets[num] = f.n
	f.printf("%d 0 obj\n%s\nendobj\n", num, body)
}

// stream writes object num as a Flate-compressed stream; dict holds the
// entries besides /Length and /Filter. zlib output is deterministic, so the
// same record always gives the same bytes.
func (f *pdfFile) stream(num int, dict string, data []byte) {
	f.z.Reset()
	if f.zw == nil {
		f.zw, _ = zlib.NewWriterLevel(&f.z, zlib.BestCompression)
	} else {
		f.zw.Reset(&f.z)
	}
	f.zw.Write(data)
	f.zw.Close()
	f.offsets[num] = f.n
	f.printf("%d 0 obj\n<< %s /Filter /FlateDecode /Length %d >>\nstream\n", num, dict, f.z.Len())
	f.write(f.z.Bytes())
	f.printf("\nendstream\nendobj\n")
}

// finish writes the cross-reference table and trailer. Every allocated
// object must have been written: a dangling reference is a bug here, not
// something to leave for a reader to trip on.
func (f *pdfFile) finish(root, info int) error {
	for num, off := range f.offsets[1:] {
		if off < 0 {
			return fmt.Errorf("export: pdf object %d allocated but never written", num+1)
		}
	}
	xref := f.n
	f.printf("xref\n0 %d\n0000000000 65535 f \n", len(f.offsets))
	for _, off := range f.offsets[1:] {
		f.printf("%010d 00000 n \n", off) // 20 bytes per entry, as the spec requires
	}
	f.printf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(f.offsets), root, info, xref)
	if f.err != nil {
		return f.err
	}
	return f.w.Flush()
}
