package upload

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress draws upload progress (bytes and documents) in plain ASCII. On a
// terminal it redraws one line in place ("\r"); otherwise (a log, a CI job)
// it prints a line each time another tenth of the bytes is sent, so the
// output stays short and readable for hundreds of files.
type Progress struct {
	W     io.Writer
	TTY   bool
	Total int64 // bytes of all files
	Docs  int   // files
	Now   func() time.Time

	mu        sync.Mutex
	sent      int64
	done      int
	lastDraw  time.Time
	lastTenth int64
}

// Add counts n more bytes sent.
func (p *Progress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += n
	p.draw(false)
}

// DocDone counts one more file fully sent.
func (p *Progress) DocDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.draw(p.done == p.Docs)
}

// Reset starts over (a retried upload resends everything).
func (p *Progress) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent, p.done, p.lastTenth = 0, 0, 0
}

// Finish ends the in-place line.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.TTY {
		fmt.Fprintln(p.W)
	}
}

func (p *Progress) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Line is the progress text: a 30-column bar, percent, bytes and documents.
func (p *Progress) Line() string {
	const width = 30
	pct := int64(100)
	if p.Total > 0 {
		pct = p.sent * 100 / p.Total
	}
	fill := int(pct * width / 100)
	return fmt.Sprintf("[%s%s] %3d%% %s / %s, %d/%d documents", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		pct, size(p.sent), size(p.Total), p.done, p.Docs)
}

func (p *Progress) draw(force bool) {
	if p.W == nil {
		return
	}
	if p.TTY {
		if now := p.now(); force || now.Sub(p.lastDraw) >= 100*time.Millisecond {
			p.lastDraw = now
			fmt.Fprintf(p.W, "\r%s", p.Line())
		}
		return
	}
	tenth := int64(10)
	if p.Total > 0 {
		tenth = p.sent * 10 / p.Total
	}
	if tenth > p.lastTenth || force {
		p.lastTenth = tenth
		fmt.Fprintln(p.W, p.Line())
	}
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
