// Package qrscan reads the text of a QR code from an image, the way a phone's
// camera would: pure Go (gozxing), with zbarimg as an optional second opinion.
package qrscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // scans may be JPEG photos
	_ "image/png"
	"os"
	"os/exec"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// ErrNoCode: the image holds no readable QR code.
var ErrNoCode = errors.New("qrscan: no QR code found in the image")

// Decode returns the text of the QR code in an encoded image (PNG or JPEG).
func Decode(img []byte) (string, error) {
	m, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return "", fmt.Errorf("qrscan: not an image: %w", err)
	}
	return DecodeImage(m)
}

// DecodeImage returns the text of the QR code in m. gozxing misses about
// 1-2% of generated codes in one orientation (its finder-pattern search
// depends on it; measured on relay-sized session URLs), so it also tries the
// image turned 180°, 90° and 270°, as a person would turn the phone.
func DecodeImage(m image.Image) (string, error) {
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	var first error
	for turn := 0; turn < 4; turn++ {
		img := m
		switch turn {
		case 1:
			img = rotate(rotate(m))
		case 2:
			img = rotate(m)
		case 3:
			img = rotate(rotate(rotate(m)))
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			return "", fmt.Errorf("qrscan: %w", err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText(), nil
		}
		if first == nil {
			first = err
		}
	}
	return "", fmt.Errorf("%w (%v)", ErrNoCode, first)
}

// rotate turns m 90° clockwise into a grey image.
func rotate(m image.Image) image.Image {
	b := m.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(b.Dy()-1-y, x, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// DecodeFile decodes the QR code in an image file.
func DecodeFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return Decode(b)
}

// Zbarimg decodes the QR code in an image file with zbarimg (Debian
// zbar-tools): an independent decoder, used by the end-to-end tests so the
// relay's QR is proven readable by software that is not ours.
func Zbarimg(ctx context.Context, path string) (string, error) {
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		return "", fmt.Errorf("qrscan: zbarimg not installed (apt-get install zbar-tools): %w", err)
	}
	// QR codes only: with every symbology on, zbar may also "find" a 1-D
	// barcode in the QR's modules and print it as a second line.
	out, err := exec.CommandContext(ctx, bin, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", path).Output()
	if err != nil {
		return "", fmt.Errorf("qrscan: zbarimg %s: %w", path, err)
	}
	return strings.TrimRight(string(out), "\r\n"), nil
}
