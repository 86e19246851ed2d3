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

// DecodeImage returns the text of the QR code in m.
func DecodeImage(m image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(m)
	if err != nil {
		return "", fmt.Errorf("qrscan: %w", err)
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoCode, err)
	}
	return res.GetText(), nil
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
	out, err := exec.CommandContext(ctx, bin, "--raw", "-q", path).Output()
	if err != nil {
		return "", fmt.Errorf("qrscan: zbarimg %s: %w", path, err)
	}
	return strings.TrimRight(string(out), "\r\n"), nil
}
