package contract

import (
	"slices"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Page sizes of the list queries.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ListBySigner lists the documents a signer (mspId, signerId) is on, oldest first.
func (c *Contract) ListBySigner(ctx contractapi.TransactionContextInterface, query string) (string, error) {
	out, err := list(ctx, query, func(q *model.ListQuery) (string, bool, error) {
		if !model.ValidID(q.MSPID) || !model.ValidSignerID(q.SignerID) {
			return "", false, model.Errorf(model.CodeInvalidField, "ListBySigner needs a valid mspId and signerId")
		}
		return signerPrefix(q.MSPID, q.SignerID), true, nil
	})
	return out, asError(err)
}

// ListByOwner lists the documents of an owner (mspId = the owner's org, owner), oldest first.
func (c *Contract) ListByOwner(ctx contractapi.TransactionContextInterface, query string) (string, error) {
	out, err := list(ctx, query, func(q *model.ListQuery) (string, bool, error) {
		if !model.ValidID(q.MSPID) || !model.ValidSignerID(q.Owner) {
			return "", false, model.Errorf(model.CodeInvalidField, "ListByOwner needs a valid mspId and owner")
		}
		return ownerPrefix(q.MSPID, q.Owner), true, nil
	})
	return out, asError(err)
}

// ListPending lists the open documents a signer has not signed yet, highest
// priority first, then lowest routing order, then oldest. By default only
// effectively pending ones (not expired); status EXPIRED lists the others.
func (c *Contract) ListPending(ctx contractapi.TransactionContextInterface, query string) (string, error) {
	out, err := list(ctx, query, func(q *model.ListQuery) (string, bool, error) {
		if !model.ValidID(q.MSPID) || !model.ValidSignerID(q.SignerID) {
			return "", false, model.Errorf(model.CodeInvalidField, "ListPending needs a valid mspId and signerId")
		}
		if q.Status == "" { // what the signer can still sign: not the expired ones, unless asked for
			q.Status = model.StatusPending
		}
		return pendingPrefix(q.MSPID, q.SignerID), false, nil
	})
	return out, asError(err)
}

// ListByTag lists the documents carrying a tag, oldest first.
func (c *Contract) ListByTag(ctx contractapi.TransactionContextInterface, query string) (string, error) {
	out, err := list(ctx, query, func(q *model.ListQuery) (string, bool, error) {
		if !model.ValidTag(q.Tag) {
			return "", false, model.Errorf(model.CodeInvalidField, "ListByTag needs a valid tag")
		}
		return tagPrefix(q.Tag), true, nil
	})
	return out, asError(err)
}

// list runs one paginated range over an index. prefixOf validates the query
// and names the index; timeKeyed says whether the part after the prefix starts
// with createdAt, so that From/To narrow the key range itself. Filters on
// docType, status and tag apply to the page fetched, so a page may hold fewer
// than pageSize records while its bookmark is not empty. Paginated queries
// are read-only: these are evaluate transactions.
func list(ctx contractapi.TransactionContextInterface, query string,
	prefixOf func(*model.ListQuery) (string, bool, error)) (string, error) {
	t, err := beginQuery(ctx)
	if err != nil {
		return "", err
	}
	var q model.ListQuery
	if err := model.Decode([]byte(query), &q); err != nil {
		return "", err
	}
	if err := validateList(&q); err != nil {
		return "", err
	}
	prefix, timeKeyed, err := prefixOf(&q)
	if err != nil {
		return "", err
	}
	start, end := prefix, prefixEnd(prefix)
	if timeKeyed && q.From != nil {
		start = prefix + tsKey(*q.From)
	}
	if timeKeyed && q.To != nil {
		end = prefix + tsKey(*q.To)
	}
	if q.Bookmark != "" {
		if !strings.HasPrefix(q.Bookmark, prefix) || q.Bookmark < start || q.Bookmark >= end {
			return "", model.Errorf(model.CodeInvalidField, "bookmark does not belong to this query")
		}
	}
	it, meta, err := t.stub.GetStateByRangeWithPagination(start, end, int32(q.PageSize), q.Bookmark)
	if err != nil {
		return "", internal("list: %v", err)
	}
	defer it.Close()
	page := model.Page{Records: []model.DocumentView{}}
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return "", internal("list: %v", err)
		}
		doc, err := t.loadDoc(lastPart(kv.Key))
		if err != nil {
			return "", internal("index %s: %v", kv.Key, err)
		}
		v := doc.View(t.now)
		if keep(&q, &v) {
			page.Records = append(page.Records, v)
		}
	}
	if meta != nil {
		page.Bookmark = meta.Bookmark
	}
	return jsonResult(page)
}

func validateList(q *model.ListQuery) error {
	switch {
	case q.PageSize == 0:
		q.PageSize = DefaultPageSize
	case q.PageSize < 0 || q.PageSize > MaxPageSize:
		return model.Errorf(model.CodeInvalidField, "pageSize must be 1..%d", MaxPageSize)
	}
	switch q.Status {
	case "", model.StatusPending, model.StatusCompleted, model.StatusDeclined, model.StatusVoided, model.StatusExpired:
	default:
		return model.Errorf(model.CodeInvalidField, "status %q is not a document status", clip(string(q.Status)))
	}
	if q.Tag != "" && !model.ValidTag(q.Tag) {
		return model.Errorf(model.CodeInvalidField, "tag %q is not a valid tag", clip(q.Tag))
	}
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		return model.Errorf(model.CodeInvalidField, "from must be before to")
	}
	if len(q.Bookmark) > 512 {
		return model.Errorf(model.CodeInvalidField, "bookmark is too long")
	}
	return nil
}

func keep(q *model.ListQuery, v *model.DocumentView) bool {
	switch {
	case q.DocType != "" && v.DocType != q.DocType:
		return false
	case q.Status != "" && v.EffectiveStatus != q.Status:
		return false
	case q.Tag != "" && !slices.Contains(v.Tags, q.Tag):
		return false
	case q.From != nil && v.CreatedAt.Before(*q.From):
		return false
	case q.To != nil && !v.CreatedAt.Before(*q.To):
		return false
	}
	return true
}

// GetNonce says whether and where a session nonce was used.
func (c *Contract) GetNonce(ctx contractapi.TransactionContextInterface, nonce string) (string, error) {
	out, err := getNonce(ctx, nonce)
	return out, asError(err)
}

func getNonce(ctx contractapi.TransactionContextInterface, nonce string) (string, error) {
	t, err := beginQuery(ctx)
	if err != nil {
		return "", err
	}
	if len(nonce) != 32 || strings.Trim(nonce, "0123456789abcdef") != "" {
		return "", model.Errorf(model.CodeInvalidField, "nonce must be 32 lowercase hex characters")
	}
	rec := model.NonceRecord{Nonce: nonce}
	if _, err := t.getJSON(nonceKey(nonce), &rec); err != nil {
		return "", err
	}
	return jsonResult(rec)
}
