package model

import (
	"bytes"
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return walk(dec, typ)
}

func walk(dec *json.Decoder, typ reflect.Type) error {
	for typ != nil && typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return Errorf(CodeBadRequest, "request JSON: %v", err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '[':
		var elem reflect.Type
		if typ != nil && (typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array) {
			elem = typ.Elem()
		}
		for dec.More() {
			if err := walk(dec, elem); err != nil {
				return err
			}
		}
	case '{':
		var fields *structFields
		var elem reflect.Type
		switch {
		case typ != nil && typ.Kind() == reflect.Struct && !isUnmarshaler(typ):
			fields = jsonFields(typ)
		case typ != nil && typ.Kind() == reflect.Map:
			elem = typ.Elem()
		}
		seen := map[string]string{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return Errorf(CodeBadRequest, "request JSON: %v", err)
			}
			k := tok.(string)
			if prev, dup := seen[strings.ToLower(k)]; dup {
				if prev == k {
					return Errorf(CodeBadRequest, "request JSON: duplicate field %q", clip(k))
				}
				return Errorf(CodeBadRequest, "request JSON: fields %q and %q differ only in case", clip(prev), clip(k))
			}
			seen[strings.ToLower(k)] = k
			next := elem
			if fields != nil {
				f, exact := fields.exact[k]
				if !exact {
					if f, ci := fields.folded[strings.ToLower(k)]; ci {
						return Errorf(CodeBadRequest, "request JSON: field %q must be spelled %q", clip(k), f.name)
					}
				}
				next = f.typ
			}
			if err := walk(dec, next); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	if err != nil {
		return Errorf(CodeBadRequest, "request JSON: %v", err)
	}
	return nil
}

type fieldInfo struct {
	name string
	typ  reflect.Type
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

func isUnmarshaler(t reflect.Type) bool {
	return t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler)
}

// structFields are a struct type's JSON names (embedded structs' fields
// promoted): exact, and lower-cased for the case check.
type structFields struct {
	exact, folded map[string]fieldInfo
}

var fieldCache sync.Map // reflect.Type → *structFields

func jsonFields(t reflect.Type) *structFields {
	if m, ok := fieldCache.Load(t); ok {
		return m.(*structFields)
	}
	out := &structFields{exact: map[string]fieldInfo{}, folded: map[string]fieldInfo{}}
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
			}
			if _, ok := out.folded[strings.ToLower(name)]; !ok {
				out.folded[strings.ToLower(name)] = fieldInfo{name: name, typ: sf.Type}
			}
		}
	}
	add(t)
	fieldCache.Store(t, out)
	return out
}
