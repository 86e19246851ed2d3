//go:build js && wasm

// Command signer-wasm is relay/signer/clearsign and chaincode/payload for
// the phone page (relay/web/static/sign.js): built with GOOS=js GOARCH=wasm
// next to the relay binary (network's BuildRelay) and served by the relay,
// it lets the page judge a prepared PDF increment, and build what it signs,
// with the very code qrsign runs. It sets globalThis.QRSignWasm:
//
//	checkPDF(orig, prev Uint8Array, increment string, restates? number)
//	    increment is GET /v1/sessions/{token}/pdf's JSON; → {check, revision,
//	    prevSha256, digest, field, name, reason, time, earlier}: the statement
//	    read from the bytes, the digest computed here and the signatures the
//	    previous revision holds ([{name, subject}], each verified); with restates (the latest
//	    check's number, after REVISION_STALE) it must restate that check
//	    (clearsign's Restated), as it will be signed without asking again
//	pdfAttributes(check number, certChainPem string) → {attributes}: the DER
//	    signed attributes of the latest check's revision for the signer (the
//	    digest never leaves the module to come back)
//	p7sAttributes(content Uint8Array, certChainPem string) → {attributes, time}
//	checkBatch(batch string, docs [{id, orig, prev?}], restates? number) → {check, pdfs,
//	    documents}: batch is GET /v1/sessions/{token}/batch's JSON, docs the
//	    batch's documents in order (their bytes, checked against the QR's
//	    root) with prev, the downloaded prevUrl, where the increment is not
//	    over the original; documents are, in batch order, {documentId, pdf:
//	    true, revision, prevSha256, digest, field, name, reason, time} or
//	    {documentId, p7s: true}; pdfs ({root, count} or null) goes into the
//	    payload's fields
//	batchAttributes(check number, certChainPem string) → {attributes}: the
//	    DER signed attributes per document of the latest check (a .p7s's
//	    signing time fixed now, kept for batchSignatures)
//	batchSignatures(check number, sigs [Uint8Array]) → {documents}: the
//	    callback's documents (JSON) for raw r‖s signatures over attributes
//	payload(fields string) → {bytes}: chaincode/payload.Build of payload.Fields' JSON
//	derSignature(raw Uint8Array) → {bytes}: raw r‖s ECDSA as DER
//
// Every function answers {error, code} instead when it refuses (code: a
// stable code where the refusal has one, else "REFUSED").
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

func main() {
	js.Global().Set("QRSignWasm", js.ValueOf(map[string]any{
		"checkPDF":        fn(checkPDF),
		"pdfAttributes":   fn(pdfAttributes),
		"p7sAttributes":   fn(p7sAttributes),
		"checkBatch":      fn(checkBatch),
		"batchAttributes": fn(batchAttributes),
		"batchSignatures": fn(batchSignatures),
		"payload":         fn(buildPayload),
		"derSignature":    fn(derSignature),
	}))
	select {} // the functions live as long as the page
}

// fn wraps f as a JS function answering an object, or {error, code}.
func fn(f func(args []js.Value) (map[string]any, error)) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) (out any) {
		defer func() {
			if r := recover(); r != nil { // a wrong argument type from the page: an answer, not a dead module
				out = refusal(fmt.Errorf("%v", r))
			}
		}()
		m, err := f(args)
		if err != nil {
			return refusal(err)
		}
		return js.ValueOf(m)
	})
}

func refusal(err error) js.Value {
	code := "REFUSED"
	var pe *pades.Error
	if errors.As(err, &pe) {
		code = string(pe.Code)
	}
	return js.ValueOf(map[string]any{"error": err.Error(), "code": code})
}

func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

func bytesOf(v js.Value) []byte {
	if v.IsUndefined() || v.IsNull() {
		return nil
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func toJS(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// signerCert is the first certificate of a PEM chain: the signer's.
func signerCert(chainPEM string) (*x509.Certificate, error) {
	blk, _ := pem.Decode([]byte(chainPEM))
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("the signer's certificate chain holds no PEM certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// checked is the latest judged revision, batch the latest judged batch;
// checks counts what was judged (the handle): only the latest is signable.
var (
	checked *clearsign.CheckedPDF
	batch   *clearsign.BatchSigning
	batchAt time.Time // the .p7s signing time of batch's attributes (zero: none built)
	checks  int
)

func checkPDF(args []js.Value) (map[string]any, error) {
	var inc api.PDFIncrement
	if err := json.Unmarshal([]byte(arg(args, 2).String()), &inc); err != nil {
		return nil, fmt.Errorf("the relay's PDF increment is not its JSON: %w", err)
	}
	c, err := clearsign.CheckPDF(bytesOf(arg(args, 0)), bytesOf(arg(args, 1)), &inc)
	if err != nil {
		return nil, err
	}
	if r := arg(args, 3); r.Type() == js.TypeNumber { // prepared again after REVISION_STALE
		if checked == nil || r.Int() != checks {
			return nil, errors.New("the PDF revision it restates is not the latest one checked")
		}
		if err := checked.Restated(c); err != nil {
			return nil, err
		}
	}
	checked, batch, checks = c, nil, checks+1
	st, pp := c.Checked.Signature, c.Payload()
	earlier := make([]any, len(c.Earlier))
	for i, e := range c.Earlier {
		earlier[i] = map[string]any{"name": e.Name, "subject": e.Subject}
	}
	return map[string]any{"check": checks, "revision": pp.Revision, "prevSha256": pp.PrevSHA256, "digest": pp.Digest,
		"field": st.Field, "name": st.Name, "reason": st.Reason, "time": st.Time.UTC().Format(time.RFC3339), "earlier": earlier}, nil
}

func pdfAttributes(args []js.Value) (map[string]any, error) {
	if checked == nil || arg(args, 0).Type() != js.TypeNumber || arg(args, 0).Int() != checks {
		return nil, errors.New("the PDF revision to sign is not the latest one checked")
	}
	cert, err := signerCert(arg(args, 1).String())
	if err != nil {
		return nil, err
	}
	attrs, err := checked.Attributes(cert)
	if err != nil {
		return nil, err
	}
	return map[string]any{"attributes": toJS(attrs)}, nil
}

func checkBatch(args []js.Value) (map[string]any, error) {
	var prep api.BatchSignatures
	if err := json.Unmarshal([]byte(arg(args, 0).String()), &prep); err != nil {
		return nil, fmt.Errorf("the relay's batch signatures are not their JSON: %w", err)
	}
	docs := arg(args, 1)
	var order []string
	originals, prevs := map[string][]byte{}, map[string][]byte{}
	for i := 0; i < docs.Length(); i++ {
		d := docs.Index(i)
		id := d.Get("id").String()
		order = append(order, id)
		originals[id] = bytesOf(d.Get("orig"))
		if p := d.Get("prev"); !p.IsUndefined() && !p.IsNull() {
			prevs[id] = bytesOf(p)
		}
	}
	b, err := clearsign.CheckBatch(order, originals, prevs, &prep)
	if err != nil {
		return nil, err
	}
	if r := arg(args, 2); r.Type() == js.TypeNumber { // prepared again after REVISION_STALE
		if batch == nil || r.Int() != checks {
			return nil, errors.New("the batch it restates is not the latest one checked")
		}
		if err := batch.Restated(b); err != nil {
			return nil, err
		}
	}
	checked, batch, batchAt, checks = nil, b, time.Time{}, checks+1
	list := make([]any, len(b.Docs))
	for i, d := range b.Docs {
		m := map[string]any{"documentId": d.DocumentID}
		if c := d.PDF; c != nil {
			st, pp := c.Checked.Signature, c.Payload()
			m["pdf"], m["revision"], m["prevSha256"], m["digest"] = true, pp.Revision, pp.PrevSHA256, pp.Digest
			m["field"], m["name"], m["reason"], m["time"] = st.Field, st.Name, st.Reason, st.Time.UTC().Format(time.RFC3339)
		} else {
			m["p7s"] = true
		}
		list[i] = m
	}
	var pdfs any
	if b.PDFs != nil {
		pdfs = map[string]any{"root": b.PDFs.Root, "count": b.PDFs.Count}
	}
	return map[string]any{"check": checks, "pdfs": pdfs, "documents": list}, nil
}

// latestBatch is batch if handle v names it.
func latestBatch(v js.Value) (*clearsign.BatchSigning, error) {
	if batch == nil || v.Type() != js.TypeNumber || v.Int() != checks {
		return nil, errors.New("the batch to sign is not the latest one checked")
	}
	return batch, nil
}

func batchAttributes(args []js.Value) (map[string]any, error) {
	b, err := latestBatch(arg(args, 0))
	if err != nil {
		return nil, err
	}
	cert, err := signerCert(arg(args, 1).String())
	if err != nil {
		return nil, err
	}
	at := time.Now()
	attrs, err := b.Attributes(cert, at)
	if err != nil {
		return nil, err
	}
	batchAt = at
	list := make([]any, len(attrs))
	for i, a := range attrs {
		list[i] = toJS(a)
	}
	return map[string]any{"attributes": list}, nil
}

func batchSignatures(args []js.Value) (map[string]any, error) {
	b, err := latestBatch(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if batchAt.IsZero() {
		return nil, errors.New("the batch's attributes were not built")
	}
	raw := arg(args, 1)
	sigs := make([][]byte, raw.Length())
	for i := range sigs {
		if sigs[i], err = clearsign.DERSignature(bytesOf(raw.Index(i))); err != nil {
			return nil, err
		}
	}
	docs, err := b.Signatures(batchAt, sigs)
	if err != nil {
		return nil, err
	}
	j, err := json.Marshal(docs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"documents": string(j)}, nil
}

func p7sAttributes(args []js.Value) (map[string]any, error) {
	cert, err := signerCert(arg(args, 1).String())
	if err != nil {
		return nil, err
	}
	attrs, at, err := clearsign.P7SAttributes(bytesOf(arg(args, 0)), cert, time.Now())
	if err != nil {
		return nil, err
	}
	return map[string]any{"attributes": toJS(attrs), "time": at.Format(time.RFC3339)}, nil
}

func buildPayload(args []js.Value) (map[string]any, error) {
	var f payload.Fields
	if err := json.Unmarshal([]byte(arg(args, 0).String()), &f); err != nil {
		return nil, fmt.Errorf("payload: the fields are not payload.Fields' JSON: %w", err)
	}
	b, err := payload.Build(f)
	if err != nil {
		return nil, err
	}
	return map[string]any{"bytes": toJS(b)}, nil
}

func derSignature(args []js.Value) (map[string]any, error) {
	der, err := clearsign.DERSignature(bytesOf(arg(args, 0)))
	if err != nil {
		return nil, err
	}
	return map[string]any{"bytes": toJS(der)}, nil
}
