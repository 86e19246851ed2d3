// PKCS#10 certificate signing requests built in the browser (RFC 2986), and
// the DER/PEM and ECDSA signature conversions the mobile signer needs. Only
// what a P-256 CSR with a CN needs is encoded; nothing is parsed as ASN.1
// beyond splitting PEM.
"use strict";
(function () {
  const enc = new TextEncoder();

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  // tlv encodes one DER element (definite length).
  function tlv(tag, body) {
    const n = body.length;
    let len;
    if (n < 0x80) len = Uint8Array.of(n);
    else if (n < 0x100) len = Uint8Array.of(0x81, n);
    else if (n < 0x10000) len = Uint8Array.of(0x82, n >> 8, n & 0xff);
    else throw new Error("der: element too long");
    return concat(Uint8Array.of(tag), len, body);
  }
  const seq = (...xs) => tlv(0x30, concat(...xs));
  const set = (...xs) => tlv(0x31, concat(...xs));

  // oid encodes a dotted object identifier.
  function oid(dotted) {
    const arcs = dotted.split(".").map(Number);
    const out = [40 * arcs[0] + arcs[1]];
    for (const a of arcs.slice(2)) {
      const b = [a & 0x7f];
      for (let v = Math.floor(a / 128); v > 0; v = Math.floor(v / 128)) b.unshift((v & 0x7f) | 0x80);
      out.push(...b);
    }
    return tlv(0x06, Uint8Array.from(out));
  }

  // uint encodes a big-endian unsigned integer as a DER INTEGER.
  function uint(bytes) {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let b = bytes.slice(i);
    if (b[0] & 0x80) b = concat(Uint8Array.of(0), b);
    return tlv(0x02, b);
  }

  const OID_CN = "2.5.4.3";
  const OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";

  // P-256's group order n, for low-S normalisation.
  const N = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  const toBig = (b) => BigInt("0x" + (Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("") || "0"));
  function fromBig(v, len) {
    const out = new Uint8Array(len);
    for (let i = len - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
    return out;
  }

  // lowS turns WebCrypto's raw r‖s into its low-S form (s ≤ n/2): the
  // chaincode accepts only that, so a signature has one encoding.
  function lowS(raw) {
    if (raw.length !== 64) throw new Error("ecdsa: want a 64-byte r‖s signature, got " + raw.length);
    const s = toBig(raw.slice(32));
    if (s <= N >> 1n) return raw;
    return concat(raw.slice(0, 32), fromBig(N - s, 32));
  }

  // rawToDER turns r‖s into the DER SEQUENCE { r INTEGER, s INTEGER } X.509 wants.
  const rawToDER = (raw) => seq(uint(raw.slice(0, 32)), uint(raw.slice(32)));

  // build makes a CSR with subject CN = cn for the P-256 key pair, signed
  // with its private key (which may be non-extractable: only the public key
  // is exported).
  async function build(cn, keyPair) {
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keyPair.publicKey));
    const name = seq(set(seq(oid(OID_CN), tlv(0x0c, enc.encode(cn)))));
    const info = seq(uint(Uint8Array.of(0)), name, spki, tlv(0xa0, new Uint8Array(0)));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keyPair.privateKey, info));
    const sig = rawToDER(lowS(raw));
    return seq(info, seq(oid(OID_ECDSA_SHA256)), tlv(0x03, concat(Uint8Array.of(0), sig)));
  }

  function b64(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function unb64(s) { return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); }

  function toPEM(type, der) {
    const lines = b64(der).match(/.{1,64}/g) || [];
    return "-----BEGIN " + type + "-----\n" + lines.join("\n") + "\n-----END " + type + "-----\n";
  }

  // pemBlocks returns the DER of every PEM block of the given type, in order.
  function pemBlocks(pem, type) {
    const re = new RegExp("-----BEGIN " + type + "-----([\\s\\S]*?)-----END " + type + "-----", "g");
    const out = [];
    for (let m; (m = re.exec(pem)) !== null;) out.push(unb64(m[1].replace(/\s+/g, "")));
    return out;
  }

  window.QRCsr = { build, lowS, rawToDER, toPEM, pemBlocks, b64, unb64, der: { tlv, seq, set, oid, uint, concat } };
})();
