package export

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	qrcode "github.com/skip2/go-qrcode"
)

// qrPNG is a QR code as a grayscale PNG, one pixel per module and no quiet
// zone (the page's white margin is one). Scaled up by the page with
// interpolation off, it stays crisp at any zoom and costs a few hundred
// bytes, where drawing each module as a rectangle costs kilobytes. Gray,
// not a two-colour palette: fpdf would compress each palette with a fresh
// zlib writer, which doubled the CPU of a long export.
func qrPNG(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("export: QR code for %q: %w", content, err)
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm)
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				img.Pix[y*img.Stride+x] = 0xff
			}
		}
	}
	var buf bytes.Buffer
	if err := qrEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// qrEncoder reuses its compressor: a new one allocates and clears about
// 1 MB. The pool is a channel, not a sync.Pool, because a long export
// collects garbage often and every collection would empty a sync.Pool.
var qrEncoder = png.Encoder{CompressionLevel: png.BestCompression, BufferPool: encoderPool(make(chan *png.EncoderBuffer, 4))}

type encoderPool chan *png.EncoderBuffer

func (e encoderPool) Get() *png.EncoderBuffer {
	select {
	case b := <-e:
		return b
	default:
		return nil
	}
}

func (e encoderPool) Put(b *png.EncoderBuffer) {
	select {
	case e <- b:
	default:
	}
}
