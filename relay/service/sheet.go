package service

import (
	"context"
	"strings"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/export"
)

// Sheet lays out a batch's signing sheet: registered documents in order,
// each pending signer with its current session link (the QR's content).
func (s *Service) Sheet(ctx context.Context, id string) (export.SheetOptions, []export.SheetDoc, error) {
	b, err := s.GetBatch(ctx, id)
	if err != nil {
		return export.SheetOptions{}, nil, err
	}
	o := export.SheetOptions{BatchID: b.ID, Title: b.Title, GeneratedAt: s.now()}
	var docs []export.SheetDoc
	for _, d := range b.Documents {
		if !d.Registered {
			continue
		}
		v, err := s.Document(ctx, d.ID)
		if err != nil {
			return o, nil, err
		}
		sd := export.SheetDoc{Order: d.Order, ID: v.ID, Title: v.Title, SHA256: v.SHA256, Status: string(effective(v))}
		for _, sg := range v.Signers {
			e := export.SheetSigner{Label: sg.Key(), Order: sg.RoutingOrder, Status: string(sg.Status)}
			if sg.Status == model.SignerPending && effective(v) == model.StatusPending {
				sess, err := s.Sessions.Issue(v.ID, v.SHA256, sg.SignerSpec, v.ExpiresAt, s.now())
				if err == nil {
					e.URL = strings.TrimRight(s.PublicURL, "/") + "/s/" + sess.Token
				}
			}
			sd.Signers = append(sd.Signers, e)
		}
		docs = append(docs, sd)
	}
	return o, docs, nil
}
