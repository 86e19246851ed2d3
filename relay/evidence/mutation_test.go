package evidence

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// mutation is one edit of a bundle's JSON tree.
type mutation struct {
	path  string
	apply func(root any) any // returns the new root
}

// TestEveryFieldIsProven changes every leaf of the golden bundles in turn
// (strings, numbers, bools, base64 blobs decoded with one byte flipped at
// the start, middle and end, every array element) and deletes every field and
// every array element, and requires verification to fail for each. A
// survivor is a field the verifier takes on trust.
func TestEveryFieldIsProven(t *testing.T) {
	trust := goldenTrust(t)
	for _, g := range []struct{ bundle, document string }{{"two-signers.json", "two-signers.pdf"}, {"declined.json", ""}, {"batch.json", ""}} {
		t.Run(g.bundle, func(t *testing.T) {
			t.Parallel()
			raw := readFile(t, g.bundle)
			var doc []byte
			if g.document != "" {
				doc = readFile(t, g.document)
			}
			if r := Verify(goldenBundle(t, g.bundle), trust, doc); !r.OK() {
				t.Fatalf("the golden bundle does not verify: %+v", r.Failures())
			}
			base := parseTree(t, raw)
			unchanged := encodeTree(base)
			same, err := Decode(unchanged)
			if err != nil {
				t.Fatal(err)
			}
			if r := Verify(same, trust, doc); !r.OK() {
				t.Fatalf("the re-encoded, unmutated bundle does not verify (the walk is not faithful): %+v", r.Failures())
			}
			muts := mutations(base, "")
			var survivors []string
			for _, m := range muts {
				out := encodeTree(m.apply(deepCopy(base)))
				if bytes.Equal(out, unchanged) {
					t.Fatalf("mutation %s changed nothing", m.path)
				}
				b, err := Decode(out)
				if err != nil {
					continue // refused before verification
				}
				if Verify(b, trust, doc).OK() {
					survivors = append(survivors, m.path)
				}
			}
			if len(muts) < 200 {
				t.Fatalf("only %d mutations: the walk missed the tree", len(muts))
			}
			t.Logf("%d mutations, %d survivors", len(muts), len(survivors))
			if len(survivors) > 0 {
				sort.Strings(survivors)
				t.Fatalf("%d mutations verified anyway:\n  %s", len(survivors), strings.Join(survivors, "\n  "))
			}
		})
	}
}

// object is a JSON object that keeps its key order: events are compared
// byte for byte, so re-encoding must not reorder them.
type object struct {
	keys []string
	vals map[string]any
}

// encodeTree writes a tree as compact JSON in one pass (objects in their
// key order).
func encodeTree(v any) []byte {
	var b bytes.Buffer
	var enc func(v any)
	enc = func(v any) {
		switch x := v.(type) {
		case *object:
			b.WriteByte('{')
			for i, k := range x.keys {
				if i > 0 {
					b.WriteByte(',')
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteByte(':')
				enc(x.vals[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteByte(',')
				}
				enc(e)
			}
			b.WriteByte(']')
		default:
			vb, err := json.Marshal(x)
			if err != nil {
				panic(err)
			}
			b.Write(vb)
		}
	}
	enc(v)
	return b.Bytes()
}

// deepCopy copies the containers of a tree (leaves are immutable).
func deepCopy(v any) any {
	switch x := v.(type) {
	case *object:
		o := &object{keys: append([]string{}, x.keys...), vals: make(map[string]any, len(x.vals))}
		for k, e := range x.vals {
			o.vals[k] = deepCopy(e)
		}
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func (o *object) delete(k string) {
	delete(o.vals, k)
	for i, x := range o.keys {
		if x == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			return
		}
	}
}

func parseTree(tb testing.TB, raw []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := tok.(type) {
	case json.Delim:
		if d == '{' {
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, kt.(string))
				o.vals[kt.(string)] = v
			}
			_, err := dec.Token()
			return o, err
		}
		arr := []any{}
		for dec.More() {
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}

// mutations lists the edits of the subtree v at path. Each apply walks a
// fresh copy of the tree to the path and edits there.
func mutations(v any, path string) []mutation {
	var out []mutation
	switch x := v.(type) {
	case *object:
		for _, k := range x.keys {
			p := path + "/" + k
			out = append(out, mutation{p + " (deleted)", edit(p, nil, true)})
			out = append(out, mutations(x.vals[k], p)...)
		}
	case []any:
		for i := range x {
			p := fmt.Sprintf("%s/%d", path, i)
			out = append(out, mutation{p + " (deleted)", edit(p, nil, true)})
			out = append(out, mutations(x[i], p)...)
		}
	case string:
		for _, s := range changedStrings(x) {
			out = append(out, mutation{fmt.Sprintf("%s = %.40q", path, s), edit(path, s, false)})
		}
	case json.Number:
		out = append(out, mutation{path + " + 1", edit(path, json.Number(addOne(string(x))), false)})
	case bool:
		out = append(out, mutation{path + " negated", edit(path, !x, false)})
	}
	return out
}

// changedStrings are the edits of one string: one character changed, and
// for base64 blobs the decoded bytes with one byte flipped at the start,
// middle and end.
func changedStrings(s string) []string {
	if s == "" {
		return []string{"x"}
	}
	var out []string
	r := []rune(s)
	m := len(r) / 2
	c := r[m]
	switch {
	case c == 'a':
		r[m] = 'b'
	case c >= '0' && c <= '9':
		r[m] = '0' + (c-'0'+1)%10
	default:
		r[m] = 'a'
	}
	out = append(out, string(r))
	if b, err := base64.StdEncoding.Strict().DecodeString(s); err == nil && len(b) >= 8 {
		for _, i := range []int{0, len(b) / 2, len(b) - 1} {
			f := append([]byte{}, b...)
			f[i] ^= 0x01
			out = append(out, base64.StdEncoding.EncodeToString(f))
		}
	}
	return out
}

func addOne(n string) string {
	var v int64
	fmt.Sscan(n, &v)
	return fmt.Sprint(v + 1)
}

// edit returns an apply that sets (or deletes) the node at path.
func edit(path string, val any, del bool) func(any) any {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	return func(root any) any {
		var walk func(node any, i int) any
		walk = func(node any, i int) any {
			k := parts[i]
			last := i == len(parts)-1
			switch n := node.(type) {
			case *object:
				if last {
					if del {
						n.delete(k)
					} else {
						n.vals[k] = val
					}
					return n
				}
				n.vals[k] = walk(n.vals[k], i+1)
				return n
			case []any:
				var idx int
				fmt.Sscan(k, &idx)
				if last {
					if del {
						return append(n[:idx:idx], n[idx+1:]...)
					}
					n[idx] = val
					return n
				}
				n[idx] = walk(n[idx], i+1)
				return n
			}
			panic("path " + path + " leaves the tree")
		}
		return walk(root, 0)
	}
}
