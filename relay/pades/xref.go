package pades

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
)

// xrefEntry locates one object: at an offset, or inside an object stream.
type xrefEntry struct {
	inStream bool
	offset   int // byte offset, or the object stream's number
	index    int // index inside the object stream
	gen      int
	free     bool
}

// file is one revision of a PDF, read through its cross-reference chain.
type file struct {
	b         []byte
	startxref int
	xrefIsStm bool // the newest section is an xref stream: the increment writes one too
	trailer   *dict
	xref      map[int]xrefEntry
	objstms   map[int][]any // decoded object streams, by number
	maxInUse  int           // highest number any section lists in use, shadowed or not
}

const (
	maxXrefSections = 1000
	maxObjects      = 1 << 20 // far above real documents; bounds what hostile input makes us allocate
	maxInflated     = 64 << 20
)

// readFile parses the cross-reference chain of b. Encrypted files are refused:
// their strings could not be rewritten in the clear.
func readFile(b []byte) (*file, error) {
	f := &file{b: b, xref: map[int]xrefEntry{}, objstms: map[int][]any{}}
	tail := b[max(0, len(b)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil, errf(CodeNotPDF, "no startxref in the last 1024 bytes")
	}
	l := &lexer{b: tail, pos: i + len("startxref")}
	v, err := l.object(0)
	off, ok := v.(int64)
	if err != nil || !ok || off <= 0 || off >= int64(len(b)) {
		return nil, errf(CodeNotPDF, "startxref does not point into the file")
	}
	f.startxref = int(off)
	seen := map[int]bool{}
	for n, at := 0, int(off); ; n++ {
		if n > maxXrefSections || seen[at] {
			return nil, errf(CodeNotPDF, "cross-reference chain loops")
		}
		seen[at] = true
		trailer, isStm, err := f.readSection(at)
		if err != nil {
			return nil, errf(CodeNotPDF, "cross-reference section at byte %d: %v", at, err)
		}
		if n == 0 {
			f.trailer, f.xrefIsStm = trailer, isStm
		}
		// A hybrid file's classic trailer names an xref stream read before /Prev.
		if stm, ok := trailer.get("XRefStm").(int64); ok && !isStm {
			if _, _, err := f.readSection(int(stm)); err != nil {
				return nil, errf(CodeNotPDF, "XRefStm at byte %d: %v", stm, err)
			}
		}
		prev, ok := trailer.get("Prev").(int64)
		if !ok {
			break
		}
		if prev <= 0 || prev >= int64(len(b)) {
			return nil, errf(CodeNotPDF, "/Prev %d outside the file", prev)
		}
		at = int(prev)
	}
	if f.trailer.get("Encrypt") != nil {
		return nil, errf(CodeUnsupported, "encrypted PDFs are not supported")
	}
	if _, ok := f.trailer.get("Root").(ref); !ok {
		return nil, errf(CodeNotPDF, "trailer has no /Root reference")
	}
	if _, ok := f.trailer.get("Size").(int64); !ok {
		return nil, errf(CodeNotPDF, "trailer has no /Size")
	}
	return f, nil
}

// add records e for num unless a newer section already did.
func (f *file) add(num int, e xrefEntry) {
	if !e.free {
		f.maxInUse = max(f.maxInUse, num)
	}
	if _, ok := f.xref[num]; !ok && len(f.xref) < maxObjects {
		f.xref[num] = e
	}
}

func (f *file) readSection(at int) (*dict, bool, error) {
	l := &lexer{b: f.b, pos: at}
	if l.keyword("xref") {
		for {
			if l.keyword("trailer") {
				v, err := l.object(0)
				d, ok := v.(*dict)
				if err != nil || !ok {
					return nil, false, fmt.Errorf("bad trailer")
				}
				return d, false, nil
			}
			start, err1 := strconv.Atoi(l.regularTok())
			count, err2 := strconv.Atoi(l.regularTok())
			if err1 != nil || err2 != nil || start < 0 || count < 0 || count > maxObjects {
				return nil, false, fmt.Errorf("bad subsection header")
			}
			for i := 0; i < count; i++ {
				off, err1 := strconv.Atoi(l.regularTok())
				gen, err2 := strconv.Atoi(l.regularTok())
				kind := l.regularTok()
				if err1 != nil || err2 != nil || (kind != "n" && kind != "f") {
					return nil, false, fmt.Errorf("bad entry for object %d", start+i)
				}
				f.add(start+i, xrefEntry{offset: off, gen: gen, free: kind == "f"})
			}
		}
	}
	num, _, obj, err := f.indirectAt(at)
	if err != nil {
		return nil, false, err
	}
	s, ok := obj.(*stream)
	if !ok || s.dict.get("Type") != name("XRef") {
		return nil, false, fmt.Errorf("neither xref table nor xref stream")
	}
	if err := f.readXrefStream(s); err != nil {
		return nil, false, fmt.Errorf("xref stream %d: %v", num, err)
	}
	return s.dict, true, nil
}

func (l *lexer) regularTok() string {
	l.skipSpace()
	return l.regular()
}

func (f *file) readXrefStream(s *stream) error {
	data, err := decode(s)
	if err != nil {
		return err
	}
	w, ok := s.dict.get("W").(array)
	if !ok || len(w) != 3 {
		return fmt.Errorf("bad /W")
	}
	var widths [3]int
	rowLen := 0
	for i, v := range w {
		n, ok := v.(int64)
		if !ok || n < 0 || n > 8 {
			return fmt.Errorf("bad /W")
		}
		widths[i] = int(n)
		rowLen += int(n)
	}
	size, _ := s.dict.get("Size").(int64)
	index := array{int64(0), size}
	if ix, ok := s.dict.get("Index").(array); ok {
		index = ix
	}
	if len(index)%2 != 0 || rowLen == 0 {
		return fmt.Errorf("bad /Index")
	}
	field := func(row []byte, i, def int) int {
		if widths[i] == 0 {
			return def
		}
		start := 0
		for j := 0; j < i; j++ {
			start += widths[j]
		}
		v := 0
		for _, c := range row[start : start+widths[i]] {
			v = v<<8 | int(c)
		}
		return v
	}
	for p := 0; p < len(index); p += 2 {
		start, ok1 := index[p].(int64)
		count, ok2 := index[p+1].(int64)
		if !ok1 || !ok2 || start < 0 || count < 0 || count > maxObjects {
			return fmt.Errorf("bad /Index")
		}
		for i := 0; i < int(count); i++ {
			if len(data) < rowLen {
				return fmt.Errorf("stream shorter than its /Index")
			}
			row := data[:rowLen]
			data = data[rowLen:]
			num := int(start) + i
			switch field(row, 0, 1) {
			case 0:
				f.add(num, xrefEntry{free: true})
			case 1:
				f.add(num, xrefEntry{offset: field(row, 1, 0), gen: field(row, 2, 0)})
			case 2:
				f.add(num, xrefEntry{inStream: true, offset: field(row, 1, 0), index: field(row, 2, 0)})
			}
		}
	}
	return nil
}

// indirectAt parses "num gen obj ... endobj" at offset at.
func (f *file) indirectAt(at int) (int, int, any, error) {
	if at < 0 || at >= len(f.b) {
		return 0, 0, nil, fmt.Errorf("offset %d outside the file", at)
	}
	l := &lexer{b: f.b, pos: at}
	num, err1 := strconv.Atoi(l.regularTok())
	gen, err2 := strconv.Atoi(l.regularTok())
	if err1 != nil || err2 != nil || !l.keyword("obj") {
		return 0, 0, nil, fmt.Errorf("no object at byte %d", at)
	}
	v, err := l.object(0)
	if err != nil {
		return 0, 0, nil, err
	}
	d, isDict := v.(*dict)
	if isDict && l.keyword("stream") {
		// The data starts after CRLF or LF.
		if l.pos < len(f.b) && f.b[l.pos] == '\r' {
			l.pos++
		}
		if l.pos < len(f.b) && f.b[l.pos] == '\n' {
			l.pos++
		}
		length, err := f.streamLength(d, l.pos)
		if err != nil {
			return 0, 0, nil, err
		}
		return num, gen, &stream{dict: d, raw: f.b[l.pos : l.pos+length]}, nil
	}
	return num, gen, v, nil
}

// streamLength takes /Length (resolving a reference without recursion into
// streams) and checks that endstream follows.
func (f *file) streamLength(d *dict, start int) (int, error) {
	var n int64
	switch v := d.get("Length").(type) {
	case int64:
		n = v
	case ref:
		e, ok := f.xref[v.num]
		if !ok || e.inStream || e.free {
			return 0, fmt.Errorf("stream /Length %d %d R not found", v.num, v.gen)
		}
		l := &lexer{b: f.b, pos: e.offset}
		l.regularTok()
		l.regularTok()
		if !l.keyword("obj") {
			return 0, fmt.Errorf("stream /Length %d %d R not found", v.num, v.gen)
		}
		lv, err := l.object(0)
		if n, _ = lv.(int64); err != nil {
			return 0, err
		}
	}
	if n < 0 || int64(start)+n > int64(len(f.b)) {
		return 0, fmt.Errorf("stream /Length %d runs past the file", n)
	}
	l := &lexer{b: f.b, pos: start + int(n)}
	if !l.keyword("endstream") {
		return 0, fmt.Errorf("stream /Length %d is not followed by endstream", n)
	}
	return int(n), nil
}

// resolve follows references (a bounded number of hops) to a direct object.
func (f *file) resolve(v any) (any, error) {
	for hops := 0; hops < 32; hops++ {
		r, ok := v.(ref)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = f.object(r); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reference chain too long")
}

// object reads indirect object r; a missing or free one is null.
func (f *file) object(r ref) (any, error) {
	e, ok := f.xref[r.num]
	if !ok || e.free {
		return nil, nil
	}
	if e.inStream {
		objs, err := f.objectStream(e.offset)
		if err != nil {
			return nil, fmt.Errorf("object %d in object stream %d: %v", r.num, e.offset, err)
		}
		if e.index >= len(objs) {
			return nil, fmt.Errorf("object %d: index %d past object stream %d", r.num, e.index, e.offset)
		}
		return objs[e.index], nil
	}
	num, gen, v, err := f.indirectAt(e.offset)
	if err != nil {
		return nil, fmt.Errorf("object %d: %v", r.num, err)
	}
	if num != r.num || gen != r.gen {
		return nil, fmt.Errorf("xref for %d %d R points at object %d %d", r.num, r.gen, num, gen)
	}
	return v, nil
}

func (f *file) objectStream(num int) ([]any, error) {
	if objs, ok := f.objstms[num]; ok {
		return objs, nil
	}
	e, ok := f.xref[num]
	if !ok || e.inStream || e.free {
		return nil, fmt.Errorf("object stream not found")
	}
	_, _, v, err := f.indirectAt(e.offset)
	if err != nil {
		return nil, err
	}
	s, ok := v.(*stream)
	if !ok || s.dict.get("Type") != name("ObjStm") {
		return nil, fmt.Errorf("not an object stream")
	}
	data, err := decode(s)
	if err != nil {
		return nil, err
	}
	n, _ := s.dict.get("N").(int64)
	first, _ := s.dict.get("First").(int64)
	// Each header pair takes at least 4 bytes, which bounds /N by /First.
	if first < 0 || first > int64(len(data)) || n < 0 || n > first/4+1 {
		return nil, fmt.Errorf("bad /N or /First")
	}
	hdr := &lexer{b: data[:first]}
	objs := make([]any, n)
	for i := range objs {
		_, err1 := strconv.Atoi(hdr.regularTok())
		off, err2 := strconv.Atoi(hdr.regularTok())
		if err1 != nil || err2 != nil || off < 0 || int(first)+off > len(data) {
			return nil, fmt.Errorf("bad header entry %d", i)
		}
		body := &lexer{b: data, pos: int(first) + off}
		if objs[i], err = body.object(0); err != nil {
			return nil, fmt.Errorf("entry %d: %v", i, err)
		}
	}
	f.objstms[num] = objs
	return objs, nil
}

// decode undoes FlateDecode (with PNG predictors), the only filter xref and
// object streams use in practice.
func decode(s *stream) ([]byte, error) {
	filter := s.dict.get("Filter")
	if a, ok := filter.(array); ok && len(a) == 1 {
		filter = a[0]
	}
	parms, _ := s.dict.get("DecodeParms").(*dict)
	if a, ok := s.dict.get("DecodeParms").(array); ok && len(a) == 1 {
		parms, _ = a[0].(*dict)
	}
	switch filter {
	case nil:
		return s.raw, nil
	case name("FlateDecode"):
	default:
		return nil, fmt.Errorf("unsupported filter %v", filter)
	}
	zr, err := zlib.NewReader(bytes.NewReader(s.raw))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil && len(data) == 0 {
		return nil, err
	}
	if len(data) > maxInflated {
		return nil, fmt.Errorf("stream inflates past %d bytes", maxInflated)
	}
	if parms == nil {
		return data, nil
	}
	pred, _ := parms.get("Predictor").(int64)
	if pred < 10 {
		if pred > 1 {
			return nil, fmt.Errorf("unsupported predictor %d", pred)
		}
		return data, nil
	}
	cols, ok := parms.get("Columns").(int64)
	if !ok {
		cols = 1
	}
	return unpredictPNG(data, int(cols))
}

func unpredictPNG(data []byte, cols int) ([]byte, error) {
	if cols <= 0 || cols > 1<<16 {
		return nil, fmt.Errorf("bad /Columns %d", cols)
	}
	stride := cols + 1
	out := make([]byte, 0, len(data)/stride*cols)
	prev := make([]byte, cols)
	for len(data) >= stride {
		kind, row := data[0], append([]byte(nil), data[1:stride]...)
		data = data[stride:]
		for i := range row {
			var left, upLeft byte
			if i > 0 {
				left, upLeft = row[i-1], prev[i-1]
			}
			switch kind {
			case 0:
			case 1:
				row[i] += left
			case 2:
				row[i] += prev[i]
			case 3:
				row[i] += byte((int(left) + int(prev[i])) / 2)
			case 4:
				row[i] += paeth(left, prev[i], upLeft)
			default:
				return nil, fmt.Errorf("bad PNG predictor %d", kind)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
