package export

import (
	"bytes"
	"fmt"
)

// A QR code encoder (ISO/IEC 18004: byte mode, error correction level M,
// the smallest version that fits, the mask of least penalty), written for
// export speed: go-qrcode spent about 1.5 ms CPU a symbol, 40% of a long
// PDF export, on bit-by-bit Reed–Solomon arithmetic and eight full symbol
// builds; this takes tens of microseconds. The layout follows Project
// Nayuki's reference design; the tests decode its symbols with zbarimg.

// qrECCPerBlock and qrBlocks are, per version, level M's error correction
// codewords per block and number of blocks (ISO/IEC 18004 table 9).
var (
	qrECCPerBlock = [41]int{0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28}
	qrBlocks      = [41]int{0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49}
)

// qrSymbol is a QR code's modules, row by row, true = dark, no quiet zone.
type qrSymbol struct {
	size int
	dark []bool
	fn   []bool // function patterns, which masks leave alone
}

func (q *qrSymbol) at(x, y int) bool { return q.dark[y*q.size+x] }

func (q *qrSymbol) setFn(x, y int, dark bool) {
	q.dark[y*q.size+x] = dark
	q.fn[y*q.size+x] = true
}

// qrRawModules is the number of modules a version has for codewords.
func qrRawModules(v int) int {
	n := (16*v+128)*v + 64
	if v >= 2 {
		a := v/7 + 2
		n -= (25*a-10)*a - 55
		if v >= 7 {
			n -= 36
		}
	}
	return n
}

func qrDataCodewords(v int) int { return qrRawModules(v)/8 - qrECCPerBlock[v]*qrBlocks[v] }

// qrEncode encodes content in byte mode at level M.
func qrEncode(content string) (*qrSymbol, error) {
	v := 1
	for ; v <= 40; v++ {
		cc := 8
		if v >= 10 {
			cc = 16
		}
		if 4+cc+8*len(content) <= 8*qrDataCodewords(v) {
			break
		}
	}
	if v > 40 {
		return nil, fmt.Errorf("%d bytes do not fit a QR code", len(content))
	}
	data := qrDataBits(content, v)
	q := &qrSymbol{size: 17 + 4*v}
	q.dark = make([]bool, q.size*q.size)
	q.fn = make([]bool, q.size*q.size)
	q.functionPatterns(v)
	q.place(qrCodewords(data, v))
	best, bestPenalty := 0, -1
	for m := 0; m < 8; m++ {
		q.mask(m)
		q.formatBits(m)
		if p := q.penalty(); bestPenalty < 0 || p < bestPenalty {
			best, bestPenalty = m, p
		}
		q.mask(m) // masks are their own inverse
	}
	q.mask(best)
	q.formatBits(best)
	return q, nil
}

// qrDataBits is the data codewords: mode, count, bytes, terminator, padding.
func qrDataBits(content string, v int) []byte {
	n := qrDataCodewords(v)
	out := make([]byte, 0, n)
	var acc uint64
	var bits int
	put := func(val uint64, len int) {
		acc = acc<<len | val
		bits += len
		for bits >= 8 {
			out = append(out, byte(acc>>(bits-8)))
			bits -= 8
		}
	}
	put(4, 4) // byte mode
	if v >= 10 {
		put(uint64(len(content)), 16)
	} else {
		put(uint64(len(content)), 8)
	}
	for i := 0; i < len(content); i++ {
		put(uint64(content[i]), 8)
	}
	if len(out) < n { // terminator (up to four zero bits), then to a byte boundary
		put(0, 4)
		if bits > 0 {
			put(0, 8-bits)
		}
	}
	out = out[:min(len(out), n)]
	for pad := byte(0xEC); len(out) < n; pad ^= 0xEC ^ 0x11 {
		out = append(out, pad)
	}
	return out
}

// qrCodewords splits data into blocks, appends each block's Reed–Solomon
// codewords and interleaves them.
func qrCodewords(data []byte, v int) []byte {
	nb, ecl := qrBlocks[v], qrECCPerBlock[v]
	raw := qrRawModules(v) / 8
	short := nb - raw%nb
	shortLen := raw / nb
	div := rsDivisor(ecl)
	blocks := make([][]byte, nb)
	k := 0
	for i := range blocks {
		n := shortLen - ecl
		if i >= short {
			n++
		}
		b := make([]byte, 0, shortLen+1)
		b = append(b, data[k:k+n]...)
		k += n
		ecc := rsRemainder(b, div)
		if i < short {
			b = append(b, 0) // a place holder, so all blocks index alike
		}
		blocks[i] = append(b, ecc...)
	}
	out := make([]byte, 0, raw)
	for i := range blocks[0] {
		for j, b := range blocks {
			if i != shortLen-ecl || j >= short {
				out = append(out, b[i])
			}
		}
	}
	return out
}

// gfMul multiplies in GF(2^8) modulo x^8+x^4+x^3+x^2+1.
func gfMul(x, y byte) byte {
	var z byte
	for i := 7; i >= 0; i-- {
		z = z<<1 ^ (z>>7)*0x1D
		z ^= (y >> i & 1) * x
	}
	return z
}

// rsDivisor is the generator polynomial of degree n, leading 1 left out.
func rsDivisor(n int) []byte {
	d := make([]byte, n)
	d[n-1] = 1
	root := byte(1)
	for range n {
		for j := range d {
			d[j] = gfMul(d[j], root)
			if j+1 < n {
				d[j] ^= d[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return d
}

func rsRemainder(data, div []byte) []byte {
	r := make([]byte, len(div))
	for _, b := range data {
		f := b ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i, c := range div {
			r[i] ^= gfMul(c, f)
		}
	}
	return r
}

func (q *qrSymbol) functionPatterns(v int) {
	n := q.size
	for i := 0; i < n; i++ {
		q.setFn(6, i, i%2 == 0)
		q.setFn(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {n - 4, 3}, {3, n - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x >= 0 && x < n && y >= 0 && y < n {
					d := max(abs(dx), abs(dy))
					q.setFn(x, y, d != 2 && d != 4)
				}
			}
		}
	}
	pos := qrAlignment(v)
	for i, a := range pos {
		for j, b := range pos {
			if i == 0 && j == 0 || i == 0 && j == len(pos)-1 || i == len(pos)-1 && j == 0 {
				continue // the finders' corners
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					q.setFn(a+dx, b+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	q.formatBits(0) // reserves the areas; the chosen mask rewrites them
	if v >= 7 {
		rem := v
		for range 12 {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := v<<12 | rem
		for i := 0; i < 18; i++ {
			dark := bits>>i&1 == 1
			a, b := n-11+i%3, i/3
			q.setFn(a, b, dark)
			q.setFn(b, a, dark)
		}
	}
}

// qrAlignment is the alignment patterns' centre coordinates.
func qrAlignment(v int) []int {
	if v == 1 {
		return nil
	}
	na := v/7 + 2
	step := (v*8 + na*3 + 5) / (na*4 - 4) * 2
	pos := make([]int, na)
	pos[0] = 6
	for i, p := na-1, 17+4*v-7; i >= 1; i, p = i-1, p-step {
		pos[i] = p
	}
	return pos
}

// formatBits writes level M's format information for mask m, both copies.
func (q *qrSymbol) formatBits(m int) {
	data := 0<<3 | m // level M's indicator is 00
	rem := data
	for range 10 {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>i&1 == 1 }
	n := q.size
	for i := 0; i <= 5; i++ {
		q.setFn(8, i, bit(i))
	}
	q.setFn(8, 7, bit(6))
	q.setFn(8, 8, bit(7))
	q.setFn(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		q.setFn(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		q.setFn(n-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		q.setFn(8, n-15+i, bit(i))
	}
	q.setFn(8, n-8, true) // the dark module
}

// place lays the codewords out in the zigzag of two-module columns.
func (q *qrSymbol) place(cw []byte) {
	n, i := q.size, 0
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < n; vert++ {
			for j := 0; j < 2; j++ {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = n - 1 - vert
				}
				if !q.fn[y*n+x] && i < len(cw)*8 {
					q.dark[y*n+x] = cw[i>>3]>>(7-i&7)&1 == 1
					i++
				}
			}
		}
	}
}

func (q *qrSymbol) mask(m int) {
	n := q.size
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var inv bool
			switch m {
			case 0:
				inv = (x+y)%2 == 0
			case 1:
				inv = y%2 == 0
			case 2:
				inv = x%3 == 0
			case 3:
				inv = (x+y)%3 == 0
			case 4:
				inv = (x/3+y/2)%2 == 0
			case 5:
				inv = x*y%2+x*y%3 == 0
			case 6:
				inv = (x*y%2+x*y%3)%2 == 0
			default:
				inv = ((x+y)%2+x*y%3)%2 == 0
			}
			if inv && !q.fn[y*n+x] {
				q.dark[y*n+x] = !q.dark[y*n+x]
			}
		}
	}
}

// penalty scores a masked symbol by the standard's four rules: runs of one
// colour, 2×2 blocks, finder-like patterns (light outside the symbol), and
// the balance of dark and light.
func (q *qrSymbol) penalty() int {
	n, p, dark := q.size, 0, 0
	line := make([]byte, n+8) // a row or column, 4 light modules either side
	for _, rows := range []bool{true, false} {
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				i := a*n + b
				if !rows {
					i = b*n + a
				}
				line[4+b] = 0
				if q.dark[i] {
					line[4+b] = 1
				}
			}
			run := 0
			for b := 4; b < n+4; b++ {
				if b > 4 && line[b] == line[b-1] {
					run++
				} else {
					run = 1
				}
				if run == 5 {
					p += 3
				} else if run > 5 {
					p++
				}
			}
			// neither pattern overlaps itself, so counting finds them all
			p += 40 * (bytes.Count(line, finderLeft) + bytes.Count(line, finderRight))
		}
	}
	for y := 0; y < n; y++ {
		r := q.dark[y*n : (y+1)*n]
		for x, c := range r {
			if c {
				dark++
			}
			if x+1 < n && y+1 < n && c == r[x+1] && c == q.dark[(y+1)*n+x] && c == q.dark[(y+1)*n+x+1] {
				p += 3
			}
		}
	}
	total := n * n
	return p + ((abs(dark*20-total*10)+total-1)/total-1)*10
}

// finderLeft and finderRight are 1:1:3:1:1 dark:light runs with four light
// modules after or before them.
var (
	finderLeft  = []byte{1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0}
	finderRight = []byte{0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1}
)

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
