package pades

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
)

// indirect is one object an increment writes: body is what stands between
// "n g obj" and "endobj".
type indirect struct {
	ref  ref
	body []byte
}

// editor collects the objects an increment writes for one revision.
type editor struct {
	f     *file
	prev  []byte
	next  int // next free object number
	edits map[ref]any
}

func newEditor(prev []byte) (*editor, error) {
	f, err := readFile(prev)
	if err != nil {
		return nil, err
	}
	size, _ := f.trailer.get("Size").(int64)
	if size <= 0 || size > maxObjects {
		return nil, errf(CodeNotPDF, "trailer /Size %d out of range", size)
	}
	// New objects are numbered from /Size: an understated /Size would let the
	// increment replace an object the document shows.
	if int64(f.maxInUse) >= size {
		return nil, errf(CodeUnsupported, "trailer /Size %d is not above object %d, which the cross-reference lists in use", size, f.maxInUse)
	}
	return &editor{f: f, prev: prev, next: int(size), edits: map[ref]any{}}, nil
}

func (e *editor) alloc() ref {
	r := ref{e.next, 0}
	e.next++
	return r
}

// dictAt resolves v to a dictionary; what says what it is, for the error.
func (e *editor) dictAt(v any, what string) (*dict, error) {
	d, err := e.f.resolve(v)
	if err != nil {
		return nil, errf(CodeNotPDF, "%s: %v", what, err)
	}
	if dd, ok := d.(*dict); ok {
		return dd, nil
	}
	return nil, errf(CodeNotPDF, "%s is not a dictionary", what)
}

func (e *editor) root() ref { return e.f.trailer.get("Root").(ref) }

// catalog is the catalog as this increment will write it (edited or not).
func (e *editor) catalog() (*dict, error) {
	if c, ok := e.edits[e.root()].(*dict); ok {
		return c, nil
	}
	return e.dictAt(e.root(), "catalog")
}

// edit records that object r is rewritten as v; an object is rewritten once.
func (e *editor) edit(r ref, v any) error {
	if _, dup := e.edits[r]; dup {
		return errf(CodeUnsupported, "object %d is reached twice by the edit", r.num)
	}
	e.edits[r] = v
	return nil
}

// appendRefs adds items to the array owner[key]. An indirect array is
// rewritten on its own; a direct one changes owner, reported as true.
func (e *editor) appendRefs(owner *dict, key name, items ...ref) (bool, error) {
	add := make(array, len(items))
	for i, r := range items {
		add[i] = r
	}
	switch v := owner.get(key).(type) {
	case nil:
		owner.set(key, add)
		return true, nil
	case array:
		owner.set(key, append(slices.Clone(v), add...))
		return true, nil
	case ref:
		arr, err := e.f.resolve(v)
		if err != nil {
			return false, errf(CodeNotPDF, "/%s: %v", key, err)
		}
		a, ok := arr.(array)
		if !ok && arr != nil {
			return false, errf(CodeNotPDF, "/%s is not an array", key)
		}
		return false, e.edit(v, append(slices.Clone(a), add...))
	}
	return false, errf(CodeNotPDF, "/%s is not an array", key)
}

// holder is a dictionary kept in owner[key], directly or by reference.
type holder struct {
	dict     *dict // a copy to edit
	ref      ref
	indirect bool
}

// holder reads owner[key]; absent, it is a new direct dictionary.
func (e *editor) holder(owner *dict, key name) (holder, error) {
	switch v := owner.get(key).(type) {
	case nil:
		return holder{dict: newDict()}, nil
	case *dict:
		return holder{dict: v.clone()}, nil
	case ref:
		d, err := e.dictAt(v, "/"+string(key))
		if err != nil {
			return holder{}, err
		}
		return holder{dict: d.clone(), ref: v, indirect: true}, nil
	}
	return holder{}, errf(CodeNotPDF, "/%s is not a dictionary", key)
}

// storeInCatalog writes back a holder read from the catalog: an indirect
// one is rewritten on its own, a direct one rewrites the catalog.
func (e *editor) storeInCatalog(cat *dict, key name, h holder) error {
	if h.indirect {
		return e.edit(h.ref, h.dict)
	}
	cat.set(key, h.dict)
	return e.edit(e.root(), cat)
}

// write lays out the increment: new objects first, then the rewritten ones in
// object order, then a cross-reference section of the previous revision's
// kind. It returns the increment and each object's offset in the whole file.
func (e *editor) write(added []indirect) ([]byte, map[int]int) {
	objs := slices.Clone(added)
	for _, r := range slices.SortedFunc(maps.Keys(e.edits), func(a, b ref) int { return a.num - b.num }) {
		var body bytes.Buffer
		writeObj(&body, e.edits[r])
		objs = append(objs, indirect{r, body.Bytes()})
	}
	var buf bytes.Buffer
	base := len(e.prev)
	if !bytes.HasSuffix(e.prev, []byte("\n")) && !bytes.HasSuffix(e.prev, []byte("\r")) {
		buf.WriteByte('\n')
	}
	offsets := map[int]int{}
	for _, o := range objs {
		offsets[o.ref.num] = base + buf.Len()
		fmt.Fprintf(&buf, "%d %d obj\n", o.ref.num, o.ref.gen)
		buf.Write(o.body)
		buf.WriteString("\nendobj\n")
	}
	trailer := newDict()
	for _, k := range []name{"Root", "Info", "ID"} {
		if v := e.f.trailer.get(k); v != nil {
			trailer.set(k, v)
		}
	}
	trailer.set("Prev", e.f.startxref)
	xrefAt := base + buf.Len()
	if e.f.xrefIsStm {
		self := e.alloc()
		objs = append(objs, indirect{ref: self})
		offsets[self.num] = xrefAt
		rows := xrefRows(objs, offsets, func(o indirect, off int) []byte {
			return []byte{1, byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off), byte(o.ref.gen >> 8), byte(o.ref.gen)}
		})
		trailer.set("Type", name("XRef"))
		trailer.set("Size", e.next)
		trailer.set("W", array{1, 4, 2})
		trailer.set("Index", rows.index)
		trailer.set("Length", len(rows.data))
		fmt.Fprintf(&buf, "%d 0 obj\n", self.num)
		writeObj(&buf, trailer)
		buf.WriteString("\nstream\n")
		buf.Write(rows.data)
		buf.WriteString("\nendstream\nendobj\n")
	} else {
		rows := xrefRows(objs, offsets, func(o indirect, off int) []byte {
			return fmt.Appendf(nil, "%010d %05d n\r\n", off, o.ref.gen)
		})
		trailer.set("Size", e.next)
		buf.WriteString("xref\n")
		for i := 0; i < len(rows.index); i += 2 {
			fmt.Fprintf(&buf, "%d %d\n", rows.index[i], rows.index[i+1])
			buf.Write(bytes.Join(rows.rows[i/2], nil))
		}
		buf.WriteString("trailer\n")
		writeObj(&buf, trailer)
		buf.WriteString("\n")
	}
	fmt.Fprintf(&buf, "startxref\n%d\n%%%%EOF\n", xrefAt)
	return buf.Bytes(), offsets
}

type xrefTable struct {
	index array      // start, count pairs
	rows  [][][]byte // per subsection
	data  []byte     // all rows
}

// xrefRows groups the objects into subsections of consecutive numbers.
func xrefRows(objs []indirect, offsets map[int]int, row func(indirect, int) []byte) xrefTable {
	sorted := slices.SortedFunc(slices.Values(objs), func(a, b indirect) int { return a.ref.num - b.ref.num })
	var t xrefTable
	for i, o := range sorted {
		r := row(o, offsets[o.ref.num])
		if i == 0 || o.ref.num != sorted[i-1].ref.num+1 {
			t.index = append(t.index, o.ref.num, 0)
			t.rows = append(t.rows, nil)
		}
		t.index[len(t.index)-1] = t.index[len(t.index)-1].(int) + 1
		t.rows[len(t.rows)-1] = append(t.rows[len(t.rows)-1], r)
		t.data = append(t.data, r...)
	}
	return t
}
