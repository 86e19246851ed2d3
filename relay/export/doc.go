// Package export renders a signer's or owner's document history for people
// and spreadsheets: CSV (RFC 4180, formula-injection safe), a fixed-width text
// report, and a PDF "certificate of completion" per document carrying a QR
// code that opens the public verification page.
//
// Input is a stream of Records (a DocumentView plus, optionally, the
// document's ledger events with their block numbers, as the relay's
// provenance endpoint returns them). Every writer streams to an io.Writer:
// one record in memory at a time, whatever the history's length.
package export
