// Package qr renders QR codes as PNG and caches them: rendering costs
// milliseconds of CPU (see the benchmark), while a session's QR is stable for
// its epoch (relay/session), so repeated views are served from memory.
package qr

import (
	"container/list"
	"fmt"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// MinSize and MaxSize bound the rendered image width in pixels.
const (
	MinSize     = 64
	MaxSize     = 1024
	DefaultSize = 256
)

// Render encodes content as a PNG of size×size pixels with medium error correction.
func Render(content string, size int) ([]byte, error) {
	if size < MinSize || size > MaxSize {
		return nil, fmt.Errorf("qr: size must be %d..%d", MinSize, MaxSize)
	}
	return qrcode.Encode(content, qrcode.Medium, size)
}

// Cache is an LRU of rendered PNGs keyed by content and size.
type Cache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[key]*list.Element
	hits  uint64
	miss  uint64
}

type key struct {
	content string
	size    int
}

type entry struct {
	k   key
	png []byte
}

// NewCache holds at most max images; max 0 disables caching.
func NewCache(max int) *Cache {
	return &Cache{max: max, ll: list.New(), items: map[key]*list.Element{}}
}

// PNG returns the cached image or renders and caches it.
func (c *Cache) PNG(content string, size int) ([]byte, error) {
	k := key{content, size}
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		c.ll.MoveToFront(el)
		c.hits++
		c.mu.Unlock()
		return el.Value.(*entry).png, nil
	}
	c.miss++
	c.mu.Unlock()
	png, err := Render(content, size)
	if err != nil || c.max == 0 {
		return png, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; !ok {
		c.items[k] = c.ll.PushFront(&entry{k, png})
		for c.ll.Len() > c.max {
			old := c.ll.Back()
			c.ll.Remove(old)
			delete(c.items, old.Value.(*entry).k)
		}
	}
	return png, nil
}

// Stats returns hits and misses so far.
func (c *Cache) Stats() (hits, misses uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.miss
}
