package qr

import (
	"bytes"
	"fmt"
	"image/png"
	"testing"
)

const url = "http://127.0.0.1:7080/s/eyJ2IjoxLCJkb2MiOiJkb2MtNzkxNjljZTFiODI3MTZmZSIsInNoYSI6IjU4OTFiNWI1MjJkNWRmMDg2ZDBmZjBiMTEwZmJkOWQyMWJiNGZjNzE2M2FmMzRkMDgyODZhMmU4NDZmNmJlMDMiLCJtc3AiOiJPcmcxTVNQIiwic3ViIjoiYm9iIiwibiI6ImYzYmE1OGRlODk3MTg2YmU4ZDcxMzBiZTgzNDAwZTdiIiwiZXhwIjoxNzk1NjUxMjAwfQ.4BIVSsiueS1vqXPUnGE68GrrJ_r9rQtGIbhWJgAxvMg"

func TestRenderIsAPNGOfTheRequestedSize(t *testing.T) {
	b, err := Render(url, 300)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 300 {
		t.Fatalf("%v %v", err, img.Bounds())
	}
	if _, err := Render(url, 10); err == nil {
		t.Fatal("tiny size accepted")
	}
}

func TestCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	c := NewCache(2)
	c.PNG("a", 64)
	c.PNG("b", 64)
	c.PNG("a", 64) // a is now the most recent
	c.PNG("c", 64) // evicts b
	c.PNG("a", 64)
	c.PNG("b", 64)
	if h, m := c.Stats(); h != 2 || m != 4 {
		t.Fatalf("hits %d misses %d, want 2 and 4", h, m)
	}
}

// BenchmarkQR measures what the cache saves per QR view; the ratio line is
// render cost over cached cost.
func BenchmarkQR(b *testing.B) {
	var render, cached float64
	b.Run("render", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Render(url, DefaultSize); err != nil {
				b.Fatal(err)
			}
		}
		render = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("cached", func(b *testing.B) {
		c := NewCache(16)
		c.PNG(url, DefaultSize)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.PNG(url, DefaultSize); err != nil {
				b.Fatal(err)
			}
		}
		cached = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	if cached > 0 {
		fmt.Printf("QR %dpx: render %.0f µs/op, cached %.2f µs/op, ratio %.0f×\n", DefaultSize, render/1e3, cached/1e3, render/cached)
	}
}
