package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// strictKeys walks a JSON text that encoding/json already accepted into a
// value of type typ and refuses what encoding/json lets through: an object
// key that names a field in another case ("DocumentID" for "documentId";
// encoding/json matches names case-insensitively) and a key given twice in
// one object (encoding/json keeps the last), including two keys that differ
// only in case. Both would let two parsers of one request disagree.
func strictKeys(data []byte, typ reflect.Type) error {
	sc := &keyScanner{b: data}
	if err := sc.value(typ); err != nil {
		return err
	}
	return nil
}

// keyScanner walks JSON that encoding/json has already validated (so it
// needs no error recovery beyond bounds); a byte scanner, because
// json.Decoder.Token allocates per token and doubled the cost of decoding.
type keyScanner struct {
	b []byte
	i int
}

var errScan = Errorf(CodeBadRequest, "request JSON: malformed")

func (s *keyScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// str reads a string at s.i and returns it unescaped.
func (s *keyScanner) str() (string, error) {
	start, esc := s.i, false
	s.i++ // the opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			esc = true
			s.i += 2
			continue
		case '"':
			s.i++
			if !esc {
				return string(s.b[start+1 : s.i-1]), nil
			}
			var v string
			if err := json.Unmarshal(s.b[start:s.i], &v); err != nil {
				return "", errScan
			}
			return v, nil
		}
		s.i++
	}
	return "", errScan
}

func (s *keyScanner) value(typ reflect.Type) error {
	for typ != nil && typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	s.ws()
	if s.i >= len(s.b) {
		return errScan
	}
	switch s.b[s.i] {
	case '{':
		return s.object(typ)
	case '[':
		var elem reflect.Type
		if typ != nil && (typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array) {
			elem = typ.Elem()
		}
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.value(elem); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return errScan
			}
			s.i++
			if s.b[s.i-1] == ']' {
				return nil
			}
		}
	case '"':
		_, err := s.str()
		return err
	default: // number, true, false, null
		for s.i < len(s.b) && !strings.ContainsRune(",]} \t\r\n", rune(s.b[s.i])) {
			s.i++
		}
		return nil
	}
}

func (s *keyScanner) object(typ reflect.Type) error {
	var fields *structFields
	var elem reflect.Type
	switch {
	case typ != nil && typ.Kind() == reflect.Struct && !isUnmarshaler(typ):
		fields = jsonFields(typ)
	case typ != nil && typ.Kind() == reflect.Map:
		elem = typ.Elem()
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	var seen []string // objects are small: a slice beats a map
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return errScan
		}
		k, err := s.str()
		if err != nil {
			return err
		}
		for _, prev := range seen {
			if strings.EqualFold(prev, k) {
				if prev == k {
					return Errorf(CodeBadRequest, "request JSON: duplicate field %q", clip(k))
				}
				return Errorf(CodeBadRequest, "request JSON: fields %q and %q differ only in case", clip(prev), clip(k))
			}
		}
		seen = append(seen, k)
		next := elem
		if fields != nil {
			// encoding/json (unknown fields refused) accepted every key of a
			// struct object, so a key that is not exact matched by folding
			// (case, or Unicode folds such as "ſ" for "s").
			f, exact := fields.exact[k]
			if !exact {
				for _, name := range fields.names {
					if strings.EqualFold(name, k) {
						return Errorf(CodeBadRequest, "request JSON: field %q must be spelled %q", clip(k), name)
					}
				}
				return Errorf(CodeBadRequest, "request JSON: field %q does not match a field name exactly", clip(k))
			}
			next = f.typ
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errScan
		}
		s.i++
		if err := s.value(next); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return errScan
		}
		s.i++
		if s.b[s.i-1] == '}' {
			return nil
		}
	}
}

type fieldInfo struct {
	name string
	typ  reflect.Type
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

func isUnmarshaler(t reflect.Type) bool {
	return t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler)
}

// structFields are a struct type's JSON names (embedded structs' fields promoted).
type structFields struct {
	exact map[string]fieldInfo
	names []string // in declaration order: no map iteration, deterministic errors
}

var fieldCache sync.Map // reflect.Type → *structFields

func jsonFields(t reflect.Type) *structFields {
	if m, ok := fieldCache.Load(t); ok {
		return m.(*structFields)
	}
	out := &structFields{exact: map[string]fieldInfo{}}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := sf.Type
			if sf.Anonymous && name == "" {
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					add(ft)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if _, ok := out.exact[name]; !ok {
				out.exact[name] = fieldInfo{name: name, typ: sf.Type}
				out.names = append(out.names, name)
			}
		}
	}
	add(t)
	fieldCache.Store(t, out)
	return out
}
