package export

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// qrInline is the content-stream operators that paint the QR code of
// content into the square (x, y, side) in PDF coordinates: an inline 1-bit
// image, one sample per module and no quiet zone (the page's white margin
// is one). Scaled up with interpolation off it stays crisp at any zoom. In
// the page's own stream it costs about 150 bytes deflated, where an image
// object cost 500 (its dictionary, its cross-reference entry and its name
// in the shared resources) and drawing each module as a rectangle costs
// kilobytes. The samples are hex (ASCIIHexDecode) so that no binary byte
// can read as the EI that ends an inline image.
func qrInline(content string, x, y, side float64) (string, error) {
	q, err := qrEncode(content)
	if err != nil {
		return "", fmt.Errorf("export: QR code for %q: %w", content, err)
	}
	n := q.size
	stride := (n + 7) / 8 // rows start on a byte
	rows := make([]byte, n*stride)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			if !q.at(c, r) { // 1 is white
				rows[r*stride+c>>3] |= 0x80 >> (c & 7)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "q %.2f 0 0 %.2f %.2f %.2f cm\nBI /W %d /H %d /CS /G /BPC 1 /F /AHx ID\n", side, side, x, y, n, n)
	b.WriteString(hex.EncodeToString(rows))
	b.WriteString(">\nEI Q\n")
	return b.String(), nil
}
