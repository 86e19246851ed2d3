package service

import (
	"context"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
)

// Page sizes of the list endpoints.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
	// MaxExportRecords caps an export that follows bookmarks past one page.
	MaxExportRecords = 10000
)

// ListParams are the query parameters shared by the list endpoints.
type ListParams struct {
	From, To string // RFC 3339
	Type     string // docType
	Status   string
	Tag      string
	Cursor   string // the chaincode's bookmark
	Limit    string
}

// ListQuery validates p and builds the chaincode query (400 INVALID_FIELD naming the parameter).
func ListQuery(p ListParams) (model.ListQuery, error) {
	q := model.ListQuery{DocType: p.Type, Tag: p.Tag, Bookmark: p.Cursor, PageSize: DefaultPageSize}
	for _, t := range []struct {
		name, v string
		dst     **time.Time
	}{{"from", p.From, &q.From}, {"to", p.To, &q.To}} {
		if t.v == "" {
			continue
		}
		tm, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return q, fault.Newf(model.CodeInvalidField, "%s must be an RFC 3339 time, e.g. 2026-11-24T00:00:00Z", t.name)
		}
		tm = tm.UTC()
		*t.dst = &tm
	}
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		return q, fault.New(model.CodeInvalidField, "from must be before to")
	}
	if p.Status != "" {
		switch st := model.Status(strings.ToUpper(p.Status)); st {
		case model.StatusPending, model.StatusCompleted, model.StatusDeclined, model.StatusVoided, model.StatusExpired:
			q.Status = st
		default:
			return q, fault.Newf(model.CodeInvalidField, "status must be one of PENDING, COMPLETED, DECLINED, VOIDED, EXPIRED, not %q", clip(p.Status))
		}
	}
	if p.Tag != "" && !model.ValidTag(p.Tag) {
		return q, fault.Newf(model.CodeInvalidField, "tag %q is not a valid tag", clip(p.Tag))
	}
	if len(p.Cursor) > 4096 {
		return q, fault.New(model.CodeInvalidField, "cursor is too long")
	}
	if p.Limit != "" {
		n, ok := atoi(p.Limit)
		if !ok || n < 1 || n > MaxPageSize {
			return q, fault.Newf(model.CodeInvalidField, "limit must be an integer 1..%d", MaxPageSize)
		}
		q.PageSize = n
	}
	return q, nil
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// Records runs one page of a list query.
func (s *Service) Records(ctx context.Context, fn ledger.ListFunc, q model.ListQuery) (*api.RecordsPage, error) {
	switch fn {
	case ledger.ListBySigner, ledger.ListPending:
		if !model.ValidID(q.MSPID) {
			return nil, fault.Newf(model.CodeInvalidField, "mspId %q is not valid", clip(q.MSPID))
		}
		if !model.ValidSignerID(q.SignerID) {
			return nil, fault.Newf(model.CodeInvalidField, "signer id %q is not valid", clip(q.SignerID))
		}
	case ledger.ListByOwner:
		if !model.ValidID(q.MSPID) {
			return nil, fault.Newf(model.CodeInvalidField, "mspId %q is not valid", clip(q.MSPID))
		}
		if !model.ValidSignerID(q.Owner) {
			return nil, fault.Newf(model.CodeInvalidField, "owner %q is not valid", clip(q.Owner))
		}
	case ledger.ListByTag:
		if !model.ValidTag(q.Tag) {
			return nil, fault.Newf(model.CodeInvalidField, "tag %q is not a valid tag", clip(q.Tag))
		}
	}
	p, err := s.Ledger.List(ctx, fn, q)
	if err != nil {
		return nil, fromLedger(err)
	}
	out := &api.RecordsPage{Records: p.Records, NextCursor: p.Bookmark}
	if out.Records == nil {
		out.Records = []model.DocumentView{}
	}
	return out, nil
}

// EachRecord follows bookmarks from q (pages of q.PageSize), calling each
// per record, up to max records. It reports whether it stopped at the cap
// with more to come.
func (s *Service) EachRecord(ctx context.Context, fn ledger.ListFunc, q model.ListQuery, max int, each func(model.DocumentView) error) (truncated bool, err error) {
	n := 0
	for {
		p, err := s.Records(ctx, fn, q)
		if err != nil {
			return false, err
		}
		for _, r := range p.Records {
			if n == max {
				return true, nil
			}
			if err := each(r); err != nil {
				return false, err
			}
			n++
		}
		if p.NextCursor == "" {
			return false, nil
		}
		q.Bookmark = p.NextCursor
	}
}
