package export

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQRCodesDecode has zbarimg read symbols of every size class the
// encoder makes: versions 1 to 40 (version information from 7, two-byte
// counts from 10), URLs, UTF-8 and binary-looking text, the longest that fits.
func TestQRCodesDecode(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Fatal("zbarimg not installed (Debian zbar-tools; scripts/test.sh installs it)")
	}
	var inputs []string
	for _, n := range []int{0, 1, 14, 15, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331} {
		inputs = append(inputs, strings.Repeat("https://sign.example.com/verify?doc=contract-0001&x=", n/51+1)[:n])
	}
	inputs = append(inputs, "劳动合同 2026 · Договор · Ελληνικά", "https://sign.example.com/verify?doc=合同-7")
	dir := t.TempDir()
	var files []string
	versions := map[int]bool{}
	for i, in := range inputs {
		q, err := qrEncode(in)
		if err != nil {
			t.Fatalf("%d bytes: %v", len(in), err)
		}
		versions[(q.size-17)/4] = true
		f := filepath.Join(dir, fmt.Sprintf("%02d.png", i))
		writeScaled(t, f, q)
		files = append(files, f)
	}
	if len(versions) < 38 {
		t.Fatalf("only %d versions exercised", len(versions))
	}
	for i, f := range files {
		out, err := exec.Command(zbar, "--raw", "-q", "-Sbinary", f).Output()
		if err != nil {
			t.Fatalf("input %d (%d bytes): zbarimg: %v", i, len(inputs[i]), err)
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != inputs[i] {
			t.Fatalf("input %d (%d bytes) decodes as %q", i, len(inputs[i]), got)
		}
	}
	if _, err := qrEncode(strings.Repeat("x", 2332)); err == nil {
		t.Fatal("2,332 bytes fit level M of version 40")
	}
}

// writeScaled writes q as a PNG, 4 pixels a module with a 4-module quiet zone.
func writeScaled(t *testing.T, path string, q *qrSymbol) {
	const s, quiet = 4, 4
	side := (q.size + 2*quiet) * s
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			mx, my := x/s-quiet, y/s-quiet
			c := color.Gray{0xff}
			if mx >= 0 && my >= 0 && mx < q.size && my < q.size && q.at(mx, my) {
				c = color.Gray{0}
			}
			img.SetGray(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkQR(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := qrInline(fmt.Sprintf("https://sign.example.com/verify?doc=contract-%04d", i%1000), 0, 0, 100); err != nil {
			b.Fatal(err)
		}
	}
}
