package service

import (
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// ContentInfo is what serving a document's original bytes needs from the
// ledger. All of it is fixed by RegisterDocument (a PDF signature adds a
// revision, it never changes these), so once read it is kept and a download
// right after GET /v1/sessions/{token} costs no evaluate. Access is decided
// before (an API key, or a session token bound to the document's id and
// hash); the document's status never gated its content.
type ContentInfo struct {
	SHA256    string
	MediaType string
	CreatedAt time.Time
}

// maxContentInfos bounds the kept entries; past it they are all dropped
// (each costs one evaluate again, nothing else).
const maxContentInfos = 10000

// contentInfos keeps ContentInfo by document id, filled by every GetDocument.
type contentInfos struct {
	mu sync.Mutex
	m  map[string]ContentInfo
}

func (c *contentInfos) keep(v *model.DocumentView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxContentInfos {
		c.m = map[string]ContentInfo{}
	}
	c.m[v.ID] = ContentInfo{SHA256: v.SHA256, MediaType: v.MediaType, CreatedAt: v.CreatedAt}
}

func (c *contentInfos) get(id string) (ContentInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.m[id]
	return ci, ok
}
