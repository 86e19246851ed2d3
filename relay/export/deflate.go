package export

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
)

// fpdf compresses each page's content with a new zlib writer, whose set-up
// (hundreds of KB allocated and cleared) cost more than the compression in
// a long export. So fpdf writes pages uncompressed, and deflatePages
// compresses them with one pooled writer as it copies the file out, then
// writes a new cross-reference table for the moved objects.

// pageLevel is the pages' deflate level: page text is hex-coded UTF-16, and
// the default level makes it about a tenth smaller than BestSpeed does.
const pageLevel = zlib.DefaultCompression

var zlibPool = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, pageLevel)
	return w
}}

// rawStream is how fpdf opens an object whose stream it left uncompressed:
// only page contents, as fonts and images carry a filter.
var rawStream = []byte(" 0 obj\n<</Length ")

// deflatePages writes the PDF b to w with every unfiltered stream deflated.
func deflatePages(w io.Writer, b []byte) error {
	xref, offs, err := xrefTable(b)
	if err != nil {
		return fmt.Errorf("export: reading fpdf output: %w", err)
	}
	order := make([]int, 0, len(offs))
	for n := 1; n < len(offs); n++ {
		order = append(order, n)
	}
	slices.SortFunc(order, func(a, c int) int { return offs[a] - offs[c] })

	cw := &countWriter{w: bufio.NewWriterSize(w, 64<<10)}
	names := shortNames{}
	zw := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(zw)
	var z bytes.Buffer
	cw.Write(b[:offs[order[0]]])
	newOffs := make([]int, len(offs))
	for i, n := range order {
		end := xref
		if i+1 < len(order) {
			end = offs[order[i+1]]
		}
		obj := b[offs[n]:end]
		newOffs[n] = cw.n
		head, data, tail, ok := rawObject(obj)
		if !ok {
			if !bytes.Contains(obj, []byte("stream\n")) { // dictionaries: names, never inside binary data
				obj = names.shorten(obj)
			}
			cw.Write(obj)
			continue
		}
		z.Reset()
		zw.Reset(&z)
		zw.Write(names.shorten(data))
		if err := zw.Close(); err != nil {
			return err
		}
		fmt.Fprintf(cw, "%s0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", head, z.Len())
		cw.Write(z.Bytes())
		cw.Write(tail)
	}
	xrefAt := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", len(offs))
	for _, o := range newOffs[1:] {
		fmt.Fprintf(cw, "%010d 00000 n \n", o)
	}
	trailer := bytes.Index(b[xref:], []byte("trailer\n"))
	startx := bytes.LastIndex(b, []byte("startxref\n"))
	if trailer < 0 || startx < xref {
		return errors.New("export: reading fpdf output: no trailer")
	}
	cw.Write(b[xref+trailer : startx])
	fmt.Fprintf(cw, "startxref\n%d\n%%%%EOF\n", xrefAt)
	if cw.err != nil {
		return cw.err
	}
	return cw.w.(*bufio.Writer).Flush()
}

// shortNames renames fpdf's resources: it names a font /F plus 40 hex
// digits (a SHA-1), and every Tf operator repeats that name; /F1 in its
// place makes a long export about 4% smaller.
type shortNames map[string]string

func (m shortNames) shorten(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("/F"))
		if j >= 0 && out == nil {
			out = make([]byte, 0, len(b))
		}
		if j < 0 {
			break
		}
		i += j
		end := i + 2 + 40
		if end > len(b) || !isHex(b[i+2:end]) || end < len(b) && isHex(b[end:end+1]) {
			i += 2
			continue
		}
		short, ok := m[string(b[i:end])]
		if !ok {
			short = "/F" + strconv.Itoa(len(m)+1)
			m[string(b[i:end])] = short
		}
		out = append(append(out, b[last:i]...), short...)
		last, i = end, end
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

func isHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// rawObject splits an object holding an unfiltered stream into its number
// (with the space after it), the stream's data, and what follows the data.
func rawObject(obj []byte) (head, data, tail []byte, ok bool) {
	i := bytes.Index(obj, rawStream)
	if i < 0 || i > 12 {
		return nil, nil, nil, false
	}
	rest := obj[i+len(rawStream):]
	j := bytes.IndexByte(rest, '>')
	n, err := strconv.Atoi(string(rest[:max(j, 0)]))
	const open = ">>\nstream\n"
	if j < 0 || err != nil || !bytes.HasPrefix(rest[j:], []byte(open)) || j+len(open)+n > len(rest) {
		return nil, nil, nil, false
	}
	rest = rest[j+len(open):]
	return obj[:i+1], rest[:n], rest[n:], true
}

// xrefTable finds the cross-reference table fpdf writes last and reads the
// object offsets from it; offs[0] is the free entry.
func xrefTable(b []byte) (xref int, offs []int, err error) {
	s := bytes.LastIndex(b, []byte("startxref\n"))
	if s < 0 {
		return 0, nil, errors.New("no startxref")
	}
	line, _, _ := bytes.Cut(b[s+len("startxref\n"):], []byte("\n"))
	xref, err = strconv.Atoi(string(line))
	if err != nil || xref < 0 || xref >= s || !bytes.HasPrefix(b[xref:], []byte("xref\n0 ")) {
		return 0, nil, errors.New("bad startxref")
	}
	p := xref + len("xref\n0 ")
	line, _, _ = bytes.Cut(b[p:], []byte("\n"))
	count, err := strconv.Atoi(string(line))
	p += len(line) + 1
	if err != nil || count < 2 || p+20*count > s {
		return 0, nil, errors.New("bad xref size")
	}
	offs = make([]int, count)
	for n := 1; n < count; n++ {
		e := b[p+20*n : p+20*n+20]
		if offs[n], err = strconv.Atoi(string(e[:10])); err != nil || offs[n] >= xref {
			return 0, nil, fmt.Errorf("bad xref entry %d", n)
		}
	}
	return xref, offs, nil
}

// countWriter counts what it writes and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += n
	c.err = err
	return n, err
}
