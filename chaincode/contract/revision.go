package contract

import "github.com/qrsign/qrsign/chaincode/model"

// indexRevision makes a recorded PDF revision findable by its hash
// (ListByHash), as the registered file is.
func (t *txn) indexRevision(doc *model.Document, r *model.PDFRevision) error {
	if r == nil {
		return nil
	}
	return t.put(revisionHashKey(doc, r.SHA256), indexValue)
}
