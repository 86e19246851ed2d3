package qrscan_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/qr"
	"github.com/qrsign/qrsign/relay/signer/qrscan"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A small PNG declaring a large canvas is refused from its header, before
// it is decoded (and turned three times).
func TestImageTooLargeIsRefusedUpFront(t *testing.T) {
	for _, c := range []struct {
		w, h int
		want string
	}{
		{4000, 4000, "4000x4000 pixels"},
		{qrscan.MaxSide + 1, 1, "4097x1 pixels"},
		{1, qrscan.MaxSide + 1, "1x4097 pixels"},
	} {
		img := pngOf(t, c.w, c.h)
		start := time.Now()
		_, err := qrscan.Decode(img)
		if !errors.Is(err, qrscan.ErrTooLarge) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%dx%d (%d-byte file): err = %v, want ErrTooLarge naming %s", c.w, c.h, len(img), err, c.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%dx%d: refused after %v", c.w, c.h, d)
		}
	}
	if _, err := qrscan.DecodeImage(image.NewGray(image.Rect(0, 0, qrscan.MaxSide+1, 1))); !errors.Is(err, qrscan.ErrTooLarge) {
		t.Errorf("DecodeImage: err = %v, want ErrTooLarge", err)
	}
}

// An image MaxSide wide (or high) is decoded (here: it holds no code; a
// full MaxPixels image takes seconds, too slow for a unit test).
func TestImageAtTheBoundsIsDecoded(t *testing.T) {
	for _, img := range [][]byte{pngOf(t, qrscan.MaxSide, 8), pngOf(t, 8, qrscan.MaxSide)} {
		if _, err := qrscan.Decode(img); !errors.Is(err, qrscan.ErrNoCode) {
			t.Fatalf("err = %v, want ErrNoCode", err)
		}
	}
}

// DecodeFile reads at most MaxFileSize bytes.
func TestDecodeFileRefusesALargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.png")
	if err := os.WriteFile(path, make([]byte, qrscan.MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := qrscan.DecodeFile(path); !errors.Is(err, qrscan.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

// The largest QR image the relay renders is within the bounds and reads.
func TestTheRelaysLargestQRIsWithinBounds(t *testing.T) {
	const url = "http://127.0.0.1:7080/s/token"
	img, err := qr.Render(url, qr.MaxSize)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width > qrscan.MaxSide || cfg.Height > qrscan.MaxSide || cfg.Width*cfg.Height > qrscan.MaxPixels || len(img) > qrscan.MaxFileSize {
		t.Fatalf("the relay's %d px QR: %dx%d, %d bytes, %v", qr.MaxSize, cfg.Width, cfg.Height, len(img), err)
	}
	if got, err := qrscan.Decode(img); err != nil || got != url {
		t.Fatalf("Decode = %q, %v", got, err)
	}
}
