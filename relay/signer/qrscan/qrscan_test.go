package qrscan_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/qrsign/qrsign/relay/signer/qrscan"
)

func TestDecodesWhatGoQRCodeEncodes(t *testing.T) {
	// A realistic session URL: the token is ~250 characters.
	url := "http://127.0.0.1:7080/s/eyJ2IjoxLCJkb2MiOiJjb250cmFjdC0yMDI2LTAwMDEiLCJzaGEiOiJlM2IwYzQ0Mjk4ZmMxYzE0OWFmYmY0Yzg5OTZmYjkyNDI3YWU0MWU0NjQ5YjkzNGNhNDk1OTkxYjc4NTJiODU1IiwibXNwIjoiT3JnMU1TUCIsInN1YiI6ImFsaWNlIiwibiI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwiZXhwIjoxNzk1NTU1NTU1fQ.3q2-7w3q2-7w3q2-7w3q2-7w3q2-7w3q2-7w3q2-7w4"
	for _, size := range []int{256, 512} {
		png, err := qrcode.Encode(url, qrcode.Medium, size)
		if err != nil {
			t.Fatal(err)
		}
		got, err := qrscan.Decode(png)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if got != url {
			t.Fatalf("size %d: decoded %q", size, got)
		}
	}
}

func TestBlankImageHasNoCode(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range m.Pix {
		m.Pix[i] = 0xff
	}
	var b bytes.Buffer
	png.Encode(&b, m)
	_, err := qrscan.Decode(b.Bytes())
	if !errors.Is(err, qrscan.ErrNoCode) {
		t.Fatalf("err = %v", err)
	}
}

func TestNotAnImage(t *testing.T) {
	_, err := qrscan.Decode([]byte("hello"))
	if err == nil || err.Error() != "qrscan: not an image: image: unknown format" {
		t.Fatalf("err = %v", err)
	}
}
