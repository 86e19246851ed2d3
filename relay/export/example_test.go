package export_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/qrsign/qrsign/relay/export"
)

// A relay handler streams a history in the format the client asked for.
func Example() {
	f, err := export.ParseFormat("csv") // e.g. from ?format=csv
	if err != nil {
		panic(err)
	}
	fmt.Println("Content-Type:", f.ContentType())
	var out bytes.Buffer // in a handler: the http.ResponseWriter
	w, _ := export.New(f, &out, export.Options{PublicURL: "https://sign.example.com"})
	w.Write(pendingRecord()) // one record at a time, as list pages arrive
	w.Close()
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n")) // rows end in CRLF
	// Output:
	// Content-Type: text/csv; charset=utf-8; header=present
	// id,title,docType,status,sha256,owner,createdAt,completedAt,signers,tags
	// nda-7,Mutual NDA,contract,PENDING,981992ec599b9b71e81d274da875f8f0f07d6965f429e9cc278aa14ff6211677,carol,2026-11-20T09:00:00Z,,Org1MSP/alice:SIGNED@2026-11-20T09:12:00Z;Org2MSP/bob@example.com:PENDING,
}

// Certificates of completion: one page per document, each with a QR code
// of its verification link.
func Example_pdf() {
	fonts, err := export.LoadFonts(export.DefaultFontPath) // once per process
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	err = export.Write(export.PDF, &buf, []export.Record{completedRecord()}, export.Options{PublicURL: "https://sign.example.com", Fonts: fonts})
	fmt.Println(err, bytes.HasPrefix(buf.Bytes(), []byte("%PDF-1.")))
	fmt.Println(export.VerifyURL("https://sign.example.com/", "contract-42"))
	// Output:
	// <nil> true
	// https://sign.example.com/verify?doc=contract-42
}
