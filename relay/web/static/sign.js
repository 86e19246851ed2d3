// Mobile signer page: read the session the QR carries, download the document
// and check its SHA-256 against the session before showing it as signable;
// for a PDF, judge the signature increment the relay prepared and show what
// it states; then sign (or decline) it with this browser's enrolled key
// (setup.js, keys.js) over the canonical payload, in the same user action
// the PDF signature's (or the .p7s') attributes, and post it all to the
// relay's scan callback; for a batch, the same for each of its documents
// with one unlock (the batch's Merkle root, each PDF's revision, each other
// document's .p7s). What is judged and built is qrsign's own code
// (relay/signer/clearsign, chaincode/payload) compiled to WebAssembly
// (relay/cmd/signer-wasm, served by the relay).
"use strict";
(function () {
  const { el, apiJSON, api, describe } = window.QR;
  const t = QRI18N.t;
  const $ = (id) => document.getElementById(id);
  const token = decodeURIComponent(location.pathname.replace(/^\/s\//, ""));

  function check(state, title, detail) {
    const c = $("check");
    c.dataset.state = state;
    c.replaceChildren(el("span", { class: "big", text: title }));
    if (detail) c.append(el("p", { text: detail }));
  }

  // The signer module: loaded once, before anything is signable.
  let wasm = null;
  const wasmTimings = {};
  function loadWasm() {
    if (!wasm) wasm = (async () => {
      const url = QR.meta("signer-wasm");
      if (!url || typeof Go === "undefined") throw new Error(t("sign.eWasmMissing"));
      const t0 = performance.now();
      const go = new Go();
      const { instance } = await WebAssembly.instantiateStreaming(fetch(url), go.importObject);
      go.run(instance); // never returns: the module serves the page's calls
      wasmTimings.loadMs = Math.round(performance.now() - t0);
      return window.QRSignWasm;
    })();
    return wasm;
  }
  // WasmRefusal is the signer module's answer {error, code}.
  class WasmRefusal extends Error {
    constructor(r) { super(r.error); this.code = r.code; }
  }
  async function call(fn, ...args) {
    const r = (await loadWasm())[fn](...args);
    if (r.error) throw new WasmRefusal(r);
    return r;
  }
  const b64 = (u8) => QRCsr.b64(u8);
  const tokenQ = "token=" + encodeURIComponent(token);
  // samePath is the same-origin path of a relay URL, with the session token:
  // the page may be served under another name than the relay's public URL.
  function samePath(u) {
    const x = new URL(u, location.href);
    return x.pathname + x.search + (x.search ? "&" : "?") + tokenQ;
  }

  // preparePDF reads the PDF signature the relay prepared and judges it with
  // the signer module: prev (the original, or the latest recorded revision)
  // plus the increment must be exactly a signature, stated as shown. null:
  // the relay makes no PDF signature of this file (the ledger one only).
  async function preparePDF(orig, origSha, restates) {
    let res;
    try {
      res = await api("/v1/sessions/" + encodeURIComponent(token) + "/pdf", { noKey: true });
    } catch (err) {
      if (err.status === 404 || err.code === "PDF_UNREADABLE" || err.code === "PDF_UNSUPPORTED") {
        $("pdf-note").textContent = err.status === 404 ? t("sign.pdfNone") : t("sign.pdfCannot", { why: describe(err) });
        $("pdf-note").hidden = false;
        return null;
      }
      throw err;
    }
    const text = await res.text();
    const inc = JSON.parse(text);
    let prev = orig;
    if (inc.prevSha256 !== origSha) prev = new Uint8Array(await (await api(samePath(inc.prevUrl), { noKey: true })).arrayBuffer());
    const t0 = performance.now();
    const st = await call("checkPDF", orig, prev, text, restates); // restates: must state what the signer approved
    wasmTimings.checkMs = Math.round(performance.now() - t0);
    $("pdf-statement").textContent = t("sign.pdfStatement", { n: st.revision, field: QR.showText(st.field), name: QR.showText(st.name),
      reason: QR.showText(st.reason), time: QR.fmtLocal(st.time) });
    $("pdf-digest").textContent = st.digest;
    $("pdf-earlier").replaceChildren(...(st.earlier || []).map((e, i) => el("li", { text: t("sign.pdfEarlier",
      { n: i + 1, name: QR.showText(e.name), subject: QR.showText(e.subject) }) })));
    $("pdf-earlier").hidden = !(st.earlier || []).length;
    $("pdf-box").hidden = false;
    return { orig, prev, text, statement: st };
  }

  // pdfRefused: the increment is not exactly a signature over what was
  // recorded; nothing is signable.
  function pdfRefused(err) {
    $("sign-section").hidden = true;
    check("mismatch", t("sign.pdfRefused"), t("sign.pdfRefusedd", { why: err.message })); // the message names the code
  }

  const sessionErrors = {
    401: ["sign.e401", "sign.e401d"],
    409: ["sign.e409", "sign.e409d"],
    410: ["sign.e410", "sign.newQR"],
    404: ["sign.e404", "sign.newQR"],
  };

  async function main() {
    let s;
    try {
      s = await apiJSON("/v1/sessions/" + encodeURIComponent(token), { noKey: true });
    } catch (err) {
      const m = sessionErrors[err.status] || ["sign.eLoad", ""];
      check("error", t(m[0]), (m[1] ? t(m[1]) + " " : "") + "(" + describe(err) + ")");
      return;
    }
    document.title = QR.showText(s.title) + " · qrsign";
    $("doc-title").textContent = QR.showText(s.title);
    $("match-code").textContent = s.matchCode;
    $("signer").textContent = t("nameOf", { name: QR.showText(s.signer.id), of: QR.showText(s.signer.mspId) });
    $("doc-id").textContent = QR.showText(s.documentId);
    $("doc-type").textContent = QR.showText(s.mediaType) + " · " + QR.fmtSize(s.size);
    $("doc-hash").textContent = s.sha256;
    $("expires").textContent = QR.fmtLocal(s.expiresAt);
    $("cli").textContent = "qrsign sign '" + location.href + "'";
    $("details").hidden = false;

    if (s.batch) {
      await batch(s);
      return;
    }
    if (s.documentStatus && s.documentStatus !== "PENDING") {
      check("closed", t("sign.closed", { status: t("status." + s.documentStatus) }), t("sign.noLonger"));
      return;
    }
    check("checking", t("sign.checking"), t("sign.checkingd"));
    let bytes;
    try {
      // Same-origin path, not s.contentUrl: the page may be served under another name than the relay's public URL.
      const res = await api("/v1/documents/" + encodeURIComponent(s.documentId) + "/content?token=" + encodeURIComponent(token), { noKey: true });
      bytes = await res.arrayBuffer();
    } catch (err) {
      check("error", t("sign.eDownload"), describe(err));
      return;
    }
    const got = await QR.sha256Hex(bytes);
    if (got !== s.sha256 || bytes.byteLength !== s.size) {
      check("mismatch", t("sign.mismatch"), t("sign.mismatchd", { got, bytes: QRI18N.fmtNumber(bytes.byteLength), want: s.sha256 }));
      return;
    }
    const orig = new Uint8Array(bytes);
    let pdf = null;
    try {
      await loadWasm(); // before anything is signable: it judges and builds what is signed
      if (s.mediaType === "application/pdf") pdf = await preparePDF(orig, s.sha256);
    } catch (err) {
      if (err instanceof WasmRefusal) { pdfRefused(err); return; }
      check("error", t("sign.eWasm"), err instanceof QR.ApiError ? describe(err) : (err.message || String(err)));
      return;
    }
    check("verified", t("sign.verified"), t("sign.verifiedd"));
    const a = $("download");
    // Opened in a tab, the copy renders on this page's origin (not the relay's
    // sandboxed /content): only types a browser shows inertly keep theirs.
    const inert = ["application/pdf", "text/plain", "image/png", "image/jpeg"].includes(s.mediaType);
    a.href = URL.createObjectURL(new Blob([bytes], { type: inert ? s.mediaType : "application/octet-stream" }));
    a.download = s.documentId;
    a.hidden = false;
    $("sign-section").hidden = false; // signable only once the bytes are checked
    await signer(s, { orig, pdf });
  }

  // signer finds (or sets up) this browser's identity for the session's
  // signer and wires the Sign and Decline buttons to it.
  async function signer(s, doc) {
    let rec = null;
    if (QRKeys.supported()) {
      try { rec = await QRKeys.get(s.signer.mspId, s.signer.id); } catch (e) { rec = null; }
    }
    const ready = (r) => {
      rec = r;
      $("setup").replaceChildren();
      QRSetup.unlockControls($("unlock"), rec, setup);
      $("sign-btn").disabled = $("decline-btn").disabled = false;
      $("sign-why").hidden = true;
    };
    async function setup() {
      rec = null;
      $("unlock").replaceChildren();
      QRSetup.status($("sign-status"), "", "");
      $("sign-btn").disabled = $("decline-btn").disabled = true;
      $("sign-why").hidden = false;
      if (QR.meta("msp") && s.signer.mspId !== QR.meta("msp")) {
        $("sign-why-text").textContent = t("sign.otherOrg", { msp: QR.meta("msp"), want: QR.showText(s.signer.mspId) });
        return;
      }
      await QRSetup.render($("setup"), { enrollmentId: s.signer.id, onDone: (r) => {
        if (r.mspId !== s.signer.mspId || r.enrollmentId !== s.signer.id) {
          QRSetup.status($("sign-status"), "error", t("sign.wrongId", { id: QR.showText(r.enrollmentId), msp: QR.showText(r.mspId), wantId: QR.showText(s.signer.id), wantMsp: QR.showText(s.signer.mspId) }));
          return;
        }
        ready(r);
      } });
    }
    if (rec) ready(rec);
    else await setup();

    let busy = false;
    async function answer(action) {
      if (busy || !rec) return;
      const st = $("sign-status");
      let reason = "";
      if (action === "decline") {
        if ($("reason-field").hidden) { // first press: ask why
          $("reason-field").hidden = false;
          $("decline-btn").textContent = t("sign.confirmDecline");
          $("reason").focus();
          return;
        }
        reason = $("reason").value.trim().normalize("NFC"); // the ledger takes NFC only (chaincode/text)
        if (!reason) { QRSetup.status(st, "error", t("sign.sayWhy")); $("reason").focus(); return; }
      }
      busy = true;
      $("sign-btn").disabled = $("decline-btn").disabled = true;
      const t0 = performance.now();
      try {
        // A batch session signs (or declines) the batch's Merkle root and
        // size (batch-sign, batch-decline); the chaincode checks each
        // document's inclusion proof against it.
        const purpose = s.batch ? "batch-" + action : action;
        const fields = s.batch
          ? { purpose, channel: s.channel, documentId: s.batch.id, documentSha256: s.batch.root,
            nonce: s.nonce, signerFingerprint: rec.fingerprint, size: s.batch.size, reason }
          : { purpose, channel: s.channel, documentId: s.documentId, documentSha256: s.sha256,
            nonce: s.nonce, signerFingerprint: rec.fingerprint, reason };
        const pdf = action === "sign" && doc && doc.pdf;
        const p7s = action === "sign" && !s.batch && !pdf && s.p7s && s.mediaType !== "application/pdf";
        const batchSigs = action === "sign" && doc && doc.batch;
        // build signs pdf (the revision judged last), the .p7s, or each of
        // the batch's PDF revisions and .p7s (bs, judged last) beside the payload.
        let key = null;
        const build = async (pdf, bs) => {
          const body = { token, action: purpose, certChainPem: rec.certChainPem, algorithm: "ECDSA_P256_SHA256_RAW", reason };
          let attrs = null, batchAttrs = null;
          if (bs) { // the payload binds the PDF statements' root; the module keeps what the attributes sign
            if (bs.pdfs) fields.pdfs = bs.pdfs;
            else delete fields.pdfs;
            batchAttrs = (await call("batchAttributes", bs.check, rec.certChainPem)).attributes;
          } else if (pdf) {
            const c = pdf.statement; // judged by the module, which keeps the digest for the attributes
            fields.pdf = { revision: c.revision, prevSha256: c.prevSha256, digest: c.digest };
            body.pdf = { revision: c.revision, prevSha256: c.prevSha256, digest: c.digest, time: c.time };
            attrs = (await call("pdfAttributes", c.check, rec.certChainPem)).attributes;
          } else if (p7s) {
            const c = await call("p7sAttributes", doc.orig, rec.certChainPem);
            body.p7s = { time: c.time };
            attrs = c.attributes;
          }
          const msg = (await call("payload", JSON.stringify(fields))).bytes;
          if (!key) { // one unlock (passphrase or screen lock) for the whole action
            QRSetup.status(st, "working", rec.mode === "webauthn" ? t("sign.confirmUV") : t("sign.unlocking"));
            key = await QRSetup.unlockFor(rec, msg);
          }
          body.signature = b64(await QRKeys.sign(key, msg));
          if (attrs) { // the relay's CMS takes DER; WebCrypto signs r‖s
            const der = b64((await call("derSignature", await QRKeys.sign(key, attrs))).bytes);
            (body.pdf || body.p7s).signature = der;
          }
          if (batchAttrs) { // the same unlocked key signs each document's attributes
            const raws = [];
            for (const a of batchAttrs) raws.push(await QRKeys.sign(key, a));
            body.documents = JSON.parse((await call("batchSignatures", bs.check, raws)).documents);
          }
          return body;
        };
        let body = await build(pdf, batchSigs);
        QRSetup.status(st, "working", t("sign.recording"));
        const t1 = performance.now();
        const post = (body) => QR.apiJSON("/v1/callbacks/scan", { method: "POST", noKey: true, headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body), onWait: (sec) => QRSetup.status(st, "working", t("sign.busy", { s: sec })) });
        let res;
        for (let again = 0; ; again++) {
          try {
            res = await post(body);
            break;
          } catch (e) {
            // Another signer's revision landed first: the same statement
            // over the new revision, judged again, signed without asking
            // again (as qrsign, at most maxRePrepare = 3 times).
            if (!((pdf || batchSigs) && e instanceof QR.ApiError && e.code === "REVISION_STALE" && again < 3)) throw e;
            QRSetup.status(st, "working", t("sign.pdfStale"));
            if (batchSigs) {
              doc.batch = await prepareBatch(s, doc.origs, doc.batch.check);
              if (!doc.batch) throw e;
              body = await build(null, doc.batch);
            } else {
              doc.pdf = await preparePDF(doc.orig, s.sha256, doc.pdf.statement.check);
              if (!doc.pdf) throw e;
              body = await build(doc.pdf);
            }
          }
        }
        window.QRSign = { result: res, timings: { totalMs: Math.round(performance.now() - t0), callbackMs: Math.round(performance.now() - t1),
          wasmLoadMs: wasmTimings.loadMs, pdfCheckMs: wasmTimings.checkMs } };
        done(action, res, s);
      } catch (e) {
        busy = false;
        if (e instanceof WasmRefusal) { pdfRefused(e); return; }
        $("sign-btn").disabled = $("decline-btn").disabled = false;
        QRSetup.status(st, "error", e instanceof QR.ApiError ? describe(e) : (e.message || String(e)));
      }
    }
    $("sign-btn").addEventListener("click", () => answer("sign"));
    $("decline-btn").addEventListener("click", () => answer("decline"));
  }

  function done(action, res, s) {
    $("sign-section").hidden = true;
    if (s && s.batch) {
      const n = (res.documents || []).length;
      const signed = action === "sign";
      check(signed ? "signed" : "declined", t(signed ? "sign.signedN" : "sign.declinedN", { n, size: s.batch.size }),
        t(signed ? "sign.batchSignedd" : "sign.batchDeclinedd", { block: res.blockNumber }));
      const titles = new Map(s.batch.documents.map((d) => [d.id, QR.showText(d.title)]));
      $("check").append(el("ol", { id: "signed-docs" }, ...(res.documents || []).map((id) =>
        el("li", {}, el("a", { href: "/verify?doc=" + encodeURIComponent(id), text: t("nameOf", { name: titles.get(id) || QR.showText(id), of: QR.showText(id) }) })))));
      // What the signature made of each document: its PDF revision or .p7s.
      $("res-downloads").replaceChildren(...(res.signed || []).map((d, i) => {
        const name = titles.get(d.documentId) || QR.showText(d.documentId);
        if (d.revision) return saveLink("res-doc-" + i, t("sign.savePdfOf", { name, n: d.revision.revision }), samePath(d.revision.url),
          d.revision.sha256, d.documentId + "-signed-" + d.revision.revision + ".pdf");
        return saveLink("res-doc-" + i, t("sign.saveP7sOf", { name }), samePath(d.p7s.url), d.p7s.sha256, d.documentId + ".p7s");
      }));
    } else {
      const signed = action === "sign";
      check(signed ? "signed" : "declined", t(signed ? "sign.signed" : "sign.declined"),
        t(signed ? "sign.signedd" : "sign.declinedd", { block: res.blockNumber }));
      const links = [];
      if (res.revision) links.push(saveLink("res-pdf", t("sign.savePdf", { n: res.revision.revision }), samePath(res.revision.url),
        res.revision.sha256, res.documentId + "-signed-" + res.revision.revision + ".pdf"));
      if (res.p7s) links.push(saveLink("res-p7s", t("sign.saveP7s"), samePath(res.p7s.url), res.p7s.sha256, res.documentId + ".p7s"));
      $("res-downloads").replaceChildren(...links);
    }
    $("res-event").replaceChildren(t("event." + res.eventType), res.replayed ? " " + t("sign.replayed") : "");
    $("res-status").replaceChildren(QR.badge(res.documentStatus)); // in words; the code as the ledger records it in data-code
    $("res-status").dataset.code = res.documentStatus;
    $("res-tx").textContent = res.txId;
    $("res-block").textContent = String(res.blockNumber);
    $("res-valid").replaceChildren(res.validationCode === "VALID" ? QR.badge("VALID") : el("code", { text: res.validationCode }));
    $("res-verify").href = "/verify?doc=" + encodeURIComponent(s && s.batch && res.documents && res.documents.length ? res.documents[0] : res.documentId);
    $("result").hidden = false;
    $("check").setAttribute("tabindex", "-1");
    $("check").focus();
  }

  // saveLink is a download of what the signature made: fetched with the
  // session token on the first press, checked against the SHA-256 the
  // relay recorded, then saved.
  function saveLink(id, text, path, sha256, name) {
    const a = el("a", { id, class: "button secondary", href: "#", text });
    a.addEventListener("click", async (ev) => {
      if (a.dataset.ready === "1") return; // the blob: URL saves it
      ev.preventDefault();
      try {
        const bytes = await (await api(path, { noKey: true })).arrayBuffer();
        const got = await QR.sha256Hex(bytes);
        if (got !== sha256) throw new Error(t("sign.saveMismatch", { got, want: sha256 }));
        const blob = new Blob([bytes]);
        window.QRSign.lastSave = { name, blob }; // what was saved, for whoever inspects the page
        a.href = URL.createObjectURL(blob);
        a.download = name;
        a.dataset.ready = "1";
        a.click();
      } catch (err) {
        a.replaceWith(el("span", { class: "error-text", text: err instanceof QR.ApiError ? describe(err) : err.message }));
      }
    });
    return a;
  }

  // RFC 9162 Merkle tree hash (chaincode/merkle): leaf = SHA-256(0x00 || h),
  // node = SHA-256(0x01 || left || right), split at the largest power of two < n.
  async function digest(...parts) {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const buf = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { buf.set(p, o); o += p.length; }
    return unhex(await QR.sha256Hex(buf)); // with the fallback where crypto.subtle is missing (plain http)
  }
  async function mth(leaves) {
    if (leaves.length === 1) return digest(Uint8Array.of(0), leaves[0]);
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return digest(Uint8Array.of(1), await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
  }
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const unhex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));

  // A batch session: every document is downloaded and hashed, and the Merkle
  // root the signer would sign is recomputed from those hashes.
  async function batch(s) {
    $("doc-id").textContent = QR.showText(s.batch.id);
    $("doc-type").textContent = t("sign.batchDocs", { n: s.batch.size });
    $("doc-hash").textContent = s.batch.root + " " + t("sign.merkle");
    $("cli").textContent = "qrsign sign '" + location.href + "'";
    check("checking", t("sign.checkingN", { n: s.batch.size }), t("sign.checkingNd"));
    const leaves = [];
    const origs = new Map(); // document id → its bytes, for the PDF revisions and .p7s
    const list = el("ol", {});
    for (const d of s.batch.documents) {
      let got;
      try {
        const res = await api("/v1/documents/" + encodeURIComponent(d.id) + "/content?token=" + encodeURIComponent(token), { noKey: true });
        const bytes = await res.arrayBuffer();
        got = await QR.sha256Hex(bytes);
        origs.set(d.id, new Uint8Array(bytes));
      } catch (err) {
        check("error", t("sign.eDownloadDoc", { id: QR.showText(d.id) }), describe(err));
        return;
      }
      if (got !== d.sha256) {
        check("mismatch", t("sign.mismatchDoc", { title: QR.showText(d.title) }), t("sign.mismatchDocd", { got, want: d.sha256 }));
        return;
      }
      leaves.push(unhex(got));
      list.append(el("li", { text: t("nameOf", { name: QR.showText(d.title), of: QR.showText(d.id) }) }));
    }
    if (leaves.length !== s.batch.size || hex(await mth(leaves)) !== s.batch.root) {
      check("mismatch", t("sign.mismatchRoot"), t("sign.mismatchRootd"));
      return;
    }
    check("verified", t("sign.verifiedN", { n: leaves.length }), t("sign.verifiedNd"));
    list.id = "batch-docs";
    $("check").append(list);
    if (s.documentStatus && s.documentStatus !== "PENDING") {
      check("closed", t("sign.batchClosed", { status: t("status." + s.documentStatus) }), t("sign.noLonger"));
      return;
    }
    let bs = null;
    try {
      await loadWasm(); // it builds the payload and judges the PDF revisions
      bs = await prepareBatch(s, origs);
    } catch (err) {
      if (err instanceof WasmRefusal) { pdfRefused(err); return; }
      check("error", t("sign.eWasm"), err instanceof QR.ApiError ? describe(err) : (err.message || String(err)));
      return;
    }
    // One signature signs them all, or declines them all with one reason.
    $("sign-btn").textContent = t("sign.signAll", { n: leaves.length });
    $("decline-btn").textContent = t("sign.declineAll", { n: leaves.length });
    $("sign-section").hidden = false;
    await signer(s, { origs, batch: bs });
  }

  // prepareBatch reads what the relay prepared for the batch's documents
  // that await this signer (a PDF revision each, a .p7s for the others) and
  // judges it with the signer module, each increment as one PDF's; shows
  // per document what is signed. null: the relay makes none (no TSA: the
  // batch signature alone) or no document awaits.
  async function prepareBatch(s, origs, restates) {
    let res;
    try {
      res = await api("/v1/sessions/" + encodeURIComponent(token) + "/batch", { noKey: true });
    } catch (err) {
      if (err.status === 404) return null;
      throw err;
    }
    const text = await res.text();
    const prep = new Map((JSON.parse(text).documents || []).map((d) => [d.documentId, d]));
    const docs = [];
    for (const d of s.batch.documents) {
      const doc = { id: d.id, orig: origs.get(d.id) };
      const p = prep.get(d.id);
      if (p && p.pdf && p.pdf.prevSha256 !== d.sha256) doc.prev = new Uint8Array(await (await api(samePath(p.pdf.prevUrl), { noKey: true })).arrayBuffer());
      docs.push(doc);
    }
    const t0 = performance.now();
    const bs = await call("checkBatch", text, docs, restates);
    wasmTimings.checkMs = Math.round(performance.now() - t0);
    const titles = new Map(s.batch.documents.map((d) => [d.id, QR.showText(d.title)]));
    $("batch-sigs").replaceChildren(...bs.documents.map((d) => el("li", { text: d.pdf
      ? t("sign.batchPdf", { title: titles.get(d.documentId), n: d.revision, field: QR.showText(d.field), name: QR.showText(d.name),
        reason: QR.showText(d.reason), time: QR.fmtLocal(d.time), digest: d.digest })
      : t("sign.batchP7s", { title: titles.get(d.documentId) }) })));
    $("batch-box").hidden = !bs.documents.length;
    return bs.documents.length ? bs : null;
  }

  main().catch((err) => check("error", t("sign.eLoad"), err.message || String(err)));
})();
