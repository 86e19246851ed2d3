// Canonical signing payload v1: a port of chaincode/payload (Build and its
// checks, same error texts). The chaincode rebuilds the payload from the
// transaction and verifies the signature over it, so a byte of difference
// here is a BAD_SIGNATURE there; a Chromium test checks this file against
// chaincode/payload/testdata/vectors.json.
"use strict";
(function () {
  const HEADER = "QRSIGN-PAYLOAD/1";
  const MAX_BATCH = 1 << 16;
  const PURPOSES = ["sign", "decline", "annotate", "login", "batch-sign", "batch-decline"];
  const isBatch = (p) => p === "batch-sign" || p === "batch-decline";
  const isDecline = (p) => p === "decline" || p === "batch-decline";
  const enc = new TextEncoder();
  const isHex64 = (s) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);

  function check(f) {
    if (!PURPOSES.includes(f.purpose)) throw new Error('payload: unknown purpose "' + f.purpose + '"');
    if (!f.channel || !f.documentId || !f.nonce) throw new Error("payload: channel, document and nonce are required");
    if (!isHex64(f.documentSha256) || !isHex64(f.signerFingerprint)) throw new Error("payload: sha256 and signer must be 64 lowercase hex characters");
    const size = f.size || 0;
    if (isBatch(f.purpose) && !(Number.isInteger(size) && size >= 1 && size <= MAX_BATCH)) throw new Error("payload: batch size must be 1.." + MAX_BATCH);
    if (!isBatch(f.purpose) && size !== 0) throw new Error("payload: size is bound only for batch-sign and batch-decline");
    if (!isDecline(f.purpose) && f.reason) throw new Error("payload: reason is bound only for decline and batch-decline");
    const tags = f.tags || [];
    if (f.purpose !== "annotate" && (tags.length > 0 || f.note)) throw new Error("payload: tags and note are bound only for annotate");
    for (const t of tags) if (!t || t.includes(",")) throw new Error('payload: tag "' + t + '" is empty or holds a comma');
  }

  // build returns the payload bytes for fields named as in payload.Fields'
  // JSON (purpose, channel, documentId, documentSha256, nonce,
  // signerFingerprint, size, reason, tags, note). Lengths are UTF-8 bytes.
  function build(f) {
    check(f);
    const parts = [enc.encode(HEADER + "\n")];
    const put = (k, v) => {
      const b = enc.encode(String(v));
      parts.push(enc.encode(k + "=" + b.length + ":"), b, enc.encode("\n"));
    };
    put("purpose", f.purpose);
    put("channel", f.channel);
    put("document", f.documentId);
    put("sha256", f.documentSha256);
    put("nonce", f.nonce);
    put("signer", f.signerFingerprint);
    if (isBatch(f.purpose)) put("size", String(f.size));
    if (isDecline(f.purpose)) put("reason", f.reason || "");
    if (f.purpose === "annotate") { put("tags", (f.tags || []).join(",")); put("note", f.note || ""); }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  window.QRPayload = { HEADER, build };
})();
