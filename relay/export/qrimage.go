package export

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// qrImage is a QR code as a 1-bit DeviceGray image: one sample per module,
// 0 = dark. Scaled up by the page's transform with interpolation off, it
// stays crisp at any zoom and costs a few hundred bytes, where drawing each
// module as a rectangle costs kilobytes.
type qrImage struct {
	side int    // modules per side, quiet zone excluded
	rows []byte // rows padded to whole bytes
}

func newQRImage(content string) (qrImage, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return qrImage{}, fmt.Errorf("export: QR code for %q: %w", content, err)
	}
	q.DisableBorder = true // the page's white margin is the quiet zone
	bm := q.Bitmap()
	n := len(bm)
	stride := (n + 7) / 8
	rows := make([]byte, stride*n)
	for y, row := range bm {
		for x := 0; x < n; x++ {
			if !row[x] {
				rows[y*stride+x/8] |= 0x80 >> (x % 8) // light module = 1 (white)
			}
		}
	}
	return qrImage{side: n, rows: rows}, nil
}

func (q qrImage) dict() string {
	return fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Interpolate false", q.side, q.side)
}
