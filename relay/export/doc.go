// Package export renders a signer's or owner's document history for people
// and spreadsheets: CSV (RFC 4180, formula-injection safe, optionally with a
// UTF-8 BOM), a fixed-width text report aligned by display width, and a PDF
// "certificate of completion" per document carrying a QR code that opens the
// public verification page; also batch signing sheets (PDF, HTML).
//
// Input is a stream of Records (a DocumentView plus, optionally, the
// document's ledger events with their block numbers, as the relay's
// provenance endpoint returns them). CSV and TXT stream to an io.Writer, one
// record in memory at a time; a PDF (go-pdf/fpdf) is built in memory, about
// 2.7 KB a page, and written on Close.
//
// PDFs draw with one TrueType font (LoadFonts; WenQuanYi Micro Hei by
// default) embedded as a subset of the glyphs used, so Chinese, kana,
// Hangul, most accented Latin, Greek and Cyrillic titles render and copy out
// as text. Characters the font's cmap lacks (Romanian ț, Thai, emoji...) and
// right-to-left letters (Hebrew, Arabic: fpdf does no bidi) print as U+FFFD,
// and the certificate or sheet says so in one note.
// Words around the data come in English or simplified Chinese (Options.Lang).
package export
