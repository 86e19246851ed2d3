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
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// ErrNoCode: the image holds no readable QR code.
var ErrNoCode = errors.New("qrscan: no QR code found in the image")

// Bounds on what is decoded: an image file is read only up to MaxFileSize
// bytes, and an image larger than MaxSide pixels on a side or MaxPixels in
// all is refused from its header, before it is decoded (a few KB of PNG can
// declare a canvas of gigabytes). The relay's QR codes are at most
// 1024x1024 (relay/qr.MaxSize); a 12 Mpx phone photo (4032x3024) fits.
const (
	MaxFileSize = 16 << 20
	MaxSide     = 4096
	MaxPixels   = 4096 * 3072
)

// ErrTooLarge: the image file or the image is beyond the bounds above.
var ErrTooLarge = errors.New("qrscan: image too large")

// Decode returns the text of the QR code in an encoded image (PNG or JPEG).
func Decode(img []byte) (string, error) {
	if len(img) > MaxFileSize {
		return "", fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, len(img), MaxFileSize)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return "", fmt.Errorf("qrscan: not an image: %w", err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return "", err
	}
	m, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return "", fmt.Errorf("qrscan: not an image: %w", err)
	}
	return DecodeImage(m)
}

// checkSize refuses dimensions beyond MaxSide or MaxPixels.
func checkSize(w, h int) error {
	if w > MaxSide || h > MaxSide || w*h > MaxPixels {
		return fmt.Errorf("%w: %dx%d pixels (at most %d on a side, %d in all)", ErrTooLarge, w, h, MaxSide, MaxPixels)
	}
	return nil
}

// DecodeImage returns the text of the QR code in m. gozxing misses about
// 1-2% of generated codes in one orientation (its finder-pattern search
// depends on it; measured on relay-sized session URLs), so it also tries the
// image turned 180°, 90° and 270°, as a person would turn the phone.
func DecodeImage(m image.Image) (string, error) {
	if b := m.Bounds(); checkSize(b.Dx(), b.Dy()) != nil {
		return "", checkSize(b.Dx(), b.Dy())
	}
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

// DecodeFile decodes the QR code in an image file of at most MaxFileSize
// bytes.
func DecodeFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", err
	}
	if len(b) > MaxFileSize {
		return "", fmt.Errorf("%w: %s is larger than %d bytes", ErrTooLarge, path, MaxFileSize)
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
