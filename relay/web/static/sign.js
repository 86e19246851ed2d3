// Mobile signer page: read the session the QR carries, download the document
// and check its SHA-256 against the session before showing it as signable;
// then sign (or decline) it with this browser's enrolled key (setup.js,
// keys.js) over the canonical payload (payload.js) and post the signature to
// the relay's scan callback.
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
    check("verified", t("sign.verified"), t("sign.verifiedd"));
    const a = $("download");
    a.href = URL.createObjectURL(new Blob([bytes], { type: s.mediaType }));
    a.download = s.documentId;
    a.hidden = false;
    $("sign-section").hidden = false; // signable only once the bytes are checked
    await signer(s);
  }

  // signer finds (or sets up) this browser's identity for the session's
  // signer and wires the Sign and Decline buttons to it.
  async function signer(s) {
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
        $("sign-why-text").textContent = t("sign.otherOrg", { msp: QR.meta("msp"), want: s.signer.mspId });
        return;
      }
      await QRSetup.render($("setup"), { enrollmentId: s.signer.id, onDone: (r) => {
        if (r.mspId !== s.signer.mspId || r.enrollmentId !== s.signer.id) {
          QRSetup.status($("sign-status"), "error", t("sign.wrongId", { id: r.enrollmentId, msp: r.mspId, wantId: s.signer.id, wantMsp: s.signer.mspId }));
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
        const msg = s.batch
          ? QRPayload.build({ purpose, channel: s.channel, documentId: s.batch.id, documentSha256: s.batch.root,
            nonce: s.nonce, signerFingerprint: rec.fingerprint, size: s.batch.size, reason })
          : QRPayload.build({ purpose, channel: s.channel, documentId: s.documentId, documentSha256: s.sha256,
            nonce: s.nonce, signerFingerprint: rec.fingerprint, reason });
        QRSetup.status(st, "working", rec.mode === "webauthn" ? t("sign.confirmUV") : t("sign.unlocking"));
        const signature = await QRSetup.signWith(rec, msg);
        QRSetup.status(st, "working", t("sign.recording"));
        const t1 = performance.now();
        const res = await QR.apiJSON("/v1/callbacks/scan", { method: "POST", noKey: true, headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token, action: purpose, certChainPem: rec.certChainPem, signature, algorithm: "ECDSA_P256_SHA256_RAW", reason }),
          onWait: (sec) => QRSetup.status(st, "working", t("sign.busy", { s: sec })) });
        window.QRSign = { result: res, timings: { totalMs: Math.round(performance.now() - t0), callbackMs: Math.round(performance.now() - t1) } };
        done(action, res, s);
      } catch (e) {
        busy = false;
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
    } else {
      const signed = action === "sign";
      check(signed ? "signed" : "declined", t(signed ? "sign.signed" : "sign.declined"),
        t(signed ? "sign.signedd" : "sign.declinedd", { block: res.blockNumber }));
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

  // RFC 9162 Merkle tree hash (chaincode/merkle): leaf = SHA-256(0x00 || h),
  // node = SHA-256(0x01 || left || right), split at the largest power of two < n.
  async function digest(...parts) {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const buf = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { buf.set(p, o); o += p.length; }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
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
    const list = el("ol", {});
    for (const d of s.batch.documents) {
      let got;
      try {
        const res = await api("/v1/documents/" + encodeURIComponent(d.id) + "/content?token=" + encodeURIComponent(token), { noKey: true });
        got = await QR.sha256Hex(await res.arrayBuffer());
      } catch (err) {
        check("error", t("sign.eDownloadDoc", { id: d.id }), describe(err));
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
    // One signature signs them all, or declines them all with one reason.
    $("sign-btn").textContent = t("sign.signAll", { n: leaves.length });
    $("decline-btn").textContent = t("sign.declineAll", { n: leaves.length });
    $("sign-section").hidden = false;
    await signer(s);
  }

  main();
})();
