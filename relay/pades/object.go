package pades

import (
	"bytes"
	"fmt"
	"strconv"
)

// The PDF object model: just enough to read a revision's trailer, catalog,
// form and pages, and to write the few objects an increment rewrites.
// Values are: null (nil), bool, int64, decimal, name, []byte (string),
// array, *dict, ref and *stream.
type (
	name    string
	decimal string // kept as written: an increment never does arithmetic on it
	array   []any
	ref     struct{ num, gen int }
	dict    struct {
		keys []name // written back in the order read, so a rewrite stays recognisable
		vals map[name]any
	}
	stream struct {
		dict *dict
		raw  []byte // as stored (still filtered)
	}
)

func newDict() *dict { return &dict{vals: map[name]any{}} }

func (d *dict) get(k name) any { return d.vals[k] }

func (d *dict) set(k name, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

// clone copies the key list and map, not the values (they are never mutated).
func (d *dict) clone() *dict {
	c := &dict{keys: append([]name(nil), d.keys...), vals: make(map[name]any, len(d.vals))}
	for k, v := range d.vals {
		c.vals[k] = v
	}
	return c
}

// lexer reads PDF tokens and objects from b starting at pos.
type lexer struct {
	b   []byte
	pos int
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		switch {
		case isWhite(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// regular reads a run of regular characters (a keyword or number).
func (l *lexer) regular() string {
	start := l.pos
	for l.pos < len(l.b) && !isWhite(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	return string(l.b[start:l.pos])
}

// keyword reports whether the next token is kw, consuming it if so.
func (l *lexer) keyword(kw string) bool {
	l.skipSpace()
	save := l.pos
	if l.regular() == kw {
		return true
	}
	l.pos = save
	return false
}

const maxDepth = 64 // nesting limit against hostile input

// object reads one direct object; "n g R" becomes a ref.
func (l *lexer) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("objects nested deeper than %d at byte %d", maxDepth, l.pos)
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, fmt.Errorf("unexpected end of data")
	}
	switch c := l.b[l.pos]; {
	case c == '/':
		l.pos++
		return l.name()
	case c == '(':
		l.pos++
		return l.literal()
	case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
		l.pos += 2
		return l.dict(depth)
	case c == '<':
		l.pos++
		return l.hex()
	case c == '[':
		l.pos++
		arr := array{}
		for {
			l.skipSpace()
			if l.pos < len(l.b) && l.b[l.pos] == ']' {
				l.pos++
				return arr, nil
			}
			v, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case isDelim(c):
		return nil, fmt.Errorf("unexpected %q at byte %d", c, l.pos)
	}
	start := l.pos
	tok := l.regular()
	switch tok {
	case "null":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	n, err := strconv.ParseInt(tok, 10, 64)
	if err != nil {
		if _, ferr := strconv.ParseFloat(tok, 64); ferr == nil {
			return decimal(tok), nil
		}
		return nil, fmt.Errorf("unexpected token %q at byte %d", tok, start)
	}
	// An integer may begin "n g R".
	save := l.pos
	l.skipSpace()
	if gen, err := strconv.Atoi(l.regular()); err == nil && n >= 0 && gen >= 0 && gen <= 65535 && n <= 1<<30 && l.keyword("R") {
		return ref{int(n), gen}, nil
	}
	l.pos = save
	return n, nil
}

func (l *lexer) name() (name, error) {
	var out []byte
	for l.pos < len(l.b) && !isWhite(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		c := l.b[l.pos]
		if c == '#' && l.pos+2 < len(l.b) {
			v, err := strconv.ParseUint(string(l.b[l.pos+1:l.pos+3]), 16, 8)
			if err != nil {
				return "", fmt.Errorf("bad name escape at byte %d", l.pos)
			}
			out = append(out, byte(v))
			l.pos += 3
			continue
		}
		out = append(out, c)
		l.pos++
	}
	return name(out), nil
}

func (l *lexer) literal() ([]byte, error) {
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return out, nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				break
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, fmt.Errorf("unterminated string")
}

func (l *lexer) hex() ([]byte, error) {
	var digits []byte
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch {
		case c == '>':
			if len(digits)%2 == 1 {
				digits = append(digits, '0')
			}
			out := make([]byte, len(digits)/2)
			for i := range out {
				v, _ := strconv.ParseUint(string(digits[2*i:2*i+2]), 16, 8)
				out[i] = byte(v)
			}
			return out, nil
		case isWhite(c):
		case (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f'):
			digits = append(digits, c)
		default:
			return nil, fmt.Errorf("bad hex string byte %q at %d", c, l.pos-1)
		}
	}
	return nil, fmt.Errorf("unterminated hex string")
}

func (l *lexer) dict(depth int) (*dict, error) {
	d := newDict()
	for {
		l.skipSpace()
		if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
			l.pos += 2
			return d, nil
		}
		if l.pos >= len(l.b) || l.b[l.pos] != '/' {
			return nil, fmt.Errorf("dictionary key expected at byte %d", l.pos)
		}
		l.pos++
		k, err := l.name()
		if err != nil {
			return nil, err
		}
		v, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if v != nil { // a null value means the key is absent
			d.set(k, v)
		}
	}
}

// writeObj serialises v canonically: strings as hex, names escaped.
func writeObj(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case int64:
		buf.WriteString(strconv.FormatInt(v, 10))
	case int:
		buf.WriteString(strconv.Itoa(v))
	case decimal:
		buf.WriteString(string(v))
	case name:
		buf.WriteByte('/')
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c <= ' ' || c >= 0x7f || c == '#' || isDelim(c) {
				fmt.Fprintf(buf, "#%02X", c)
			} else {
				buf.WriteByte(c)
			}
		}
	case []byte:
		fmt.Fprintf(buf, "<%X>", v)
	case ref:
		fmt.Fprintf(buf, "%d %d R", v.num, v.gen)
	case array:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(' ')
			}
			writeObj(buf, e)
		}
		buf.WriteByte(']')
	case *dict:
		buf.WriteString("<<")
		for _, k := range v.keys {
			writeObj(buf, k)
			buf.WriteByte(' ')
			writeObj(buf, v.vals[k])
		}
		buf.WriteString(">>")
	default:
		panic(fmt.Sprintf("pades: cannot write %T", v)) // a bug in this package, never input
	}
}
