// Desktop app, batches: many files registered as one batch (POST /v1/batches,
// one streamed multipart request), one QR per signer that signs every
// document of the batch, the live status of each document, and the batch
// sheet (PDF or HTML, fetched with the API key and opened from a blob URL).
"use strict";
(function () {
  const { el, api, apiJSON, badge, describe } = window.QR;
  const { t, nodes } = window.QRI18N;
  const FINAL = ["COMPLETED", "DECLINED", "VOIDED", "EXPIRED"];

  // upload registers c.files as one batch (c from app.js's collect()). It
  // returns the batch, or throws the ApiError after marking refused files in
  // list (the <ul> of chosen files): BATCH_INVALID names each document.
  async function upload(c, title, list, setStatus) {
    const docs = c.files.map((f, i) => ({ file: "file-" + (i + 1), title: clip(f.name), docType: c.common.docType, order: i + 1 }));
    const meta = { title: clip(title || t("batch.defaultTitle", { n: c.files.length })), owner: c.common.owner, priority: c.common.priority,
      signers: c.signers, expiresAt: c.common.expiresAt, documents: docs };
    const fd = new FormData();
    fd.append("batch", JSON.stringify(meta));
    // The part's filename is the part name, not the file's: titles travel in
    // the JSON, and a raw file name (quotes, control characters) could make
    // the whole multipart body unreadable.
    c.files.forEach((f, i) => fd.append(docs[i].file, f, docs[i].file));
    setStatus(t("batch.uploading", { n: c.files.length }));
    try {
      return await apiJSON("/v1/batches", { method: "POST", body: fd,
        onWait: (s) => setStatus(t("batch.busy", { s })) });
    } catch (err) {
      markErrors(err, c.files, list);
      throw err;
    }
  }

  // clip keeps a title within the ledger's 256 bytes of UTF-8, whole characters only.
  function clip(t) {
    const enc = new TextEncoder();
    let out = "";
    for (const ch of t) {
      if (enc.encode(out + ch).length > 256) break;
      out += ch;
    }
    return out;
  }

  // markErrors writes each per-document error next to its file name.
  function markErrors(err, files, list) {
    const errs = (err.problem && err.problem.errors) || [];
    const items = [...list.children];
    items.forEach((li) => { li.classList.remove("error-text"); const e = li.querySelector(".file-error"); if (e) e.remove(); });
    for (const e of errs) {
      const li = items[e.index];
      if (!li || !files[e.index]) continue;
      li.classList.add("error-text");
      li.append(el("span", { class: "file-error", text: " — " + QR.problemText(e.code, e.detail) }));
    }
  }

  // show renders a registered batch at the top of results and follows it;
  // onView (optional) hears every document view read (this tab's records).
  function show(b, results, onView) {
    const sid = "b-" + b.id;
    const statusBox = el("span", { class: "doc-status", "aria-live": "polite" });
    const rows = b.documents.map((d) => el("tr", { dataset: { doc: d.id, status: d.status || "" } },
      el("td", { text: String(d.order) }),
      el("td", {}, el("a", { href: "/verify?doc=" + encodeURIComponent(d.id), text: QR.showText(d.title || d.file) })),
      el("td", {}, el("code", { text: d.id })),
      el("td", { class: "doc-state" }, badge(d.registered ? d.status : "UNREGISTERED")),
      el("td", { class: "doc-signed", text: "" })));
    const sheetStatus = el("p", { class: "status-line", role: "status", "aria-live": "polite" });
    const sheetBtn = (fmt, label) => {
      const btn = el("button", { type: "button", class: "secondary", dataset: { sheet: fmt }, text: label });
      btn.addEventListener("click", () => openSheet(b.id, fmt, sheetStatus));
      return btn;
    };
    const card = el("article", { class: "doc-card batch-card", "aria-labelledby": sid, dataset: { batch: b.id } },
      el("div", { class: "doc-head" },
        el("div", {},
          el("h3", { id: sid, text: QR.showText(b.title) }),
          el("p", { class: "doc-meta" }, ...nodes("batch.meta", {
            id: el("code", { text: b.id }), n: b.total, root: el("code", { title: b.root, text: QR.short(b.root, 16) }) }))),
        statusBox),
      el("p", { class: "help", text: t("batch.oneScan") }),
      el("div", { class: "signer-cards" }, ...b.signers.map((s) => signerCard(b, s))),
      el("div", { class: "table-wrap" },
        el("table", { class: "records batch-docs" },
          el("caption", { class: "visually-hidden", text: t("batch.caption", { title: QR.showText(b.title) }) }),
          el("thead", {}, el("tr", {}, ...["#", t("verify.fTitle"), t("sign.docId"), t("verify.colStatus"), t("app.signed")].map((h) => el("th", { scope: "col", text: h })))),
          el("tbody", {}, ...rows))),
      el("div", { class: "actions" }, sheetBtn("pdf", t("batch.sheetPdf")), sheetBtn("html", t("batch.sheetHtml"))),
      sheetStatus);
    results.prepend(card);
    const entry = { batch: b, card, statusBox, onView, rows: new Map(rows.map((r) => [r.dataset.doc, r])) };
    apply(entry, b);
    follow(entry);
    return card;
  }

  function signerCard(b, s) {
    const key = s.mspId + "/" + s.id;
    const qr = el("div", { class: "qr-box" }, t("app.loadingQR"));
    const code = el("strong", {});
    const status = el("div", { class: "status", "aria-live": "polite" }, badge("PENDING"));
    const card = el("section", { class: "signer-card", "aria-label": t("batch.signerLabel", { id: s.id }), dataset: { signer: key, status: "PENDING" } },
      el("div", { class: "who", text: s.id }),
      el("div", { class: "org", text: t("app.orgOrder", { msp: s.mspId, n: s.routingOrder }) }),
      qr, el("div", { class: "code-line" }, ...nodes("app.matchCode", { code })), status);
    card._parts = { qr, code, status };
    loadQR(card, b, key);
    return card;
  }

  async function loadQR(card, b, key) {
    const p = card._parts;
    try {
      const res = await api("/v1/batches/" + encodeURIComponent(b.id) + "/qr.png?signer=" + encodeURIComponent(key) + "&size=384");
      const url = URL.createObjectURL(await res.blob());
      const img = el("img", { src: url, alt: t("batch.qrAlt", { signer: key.split("/")[1], n: b.total, title: QR.showText(b.title) }), width: 192, height: 192 });
      img.addEventListener("load", () => URL.revokeObjectURL(url), { once: true });
      if (card.dataset.status !== "PENDING") return;
      p.qr.replaceChildren(img);
      p.code.textContent = res.headers.get("X-Match-Code") || "";
    } catch (err) {
      p.qr.replaceChildren(el("span", { class: "error-text", text: describe(err) }));
    }
  }

  // apply shows the batch's documents and each signer's answers (the batch
  // carries them per document once registered).
  function apply(entry, b) {
    entry.batch = b;
    const signers = new Map(b.signers.map((s) => [s.mspId + "/" + s.id, { signed: 0, declined: 0 }]));
    let done = 0;
    let known = false;
    for (const d of b.documents) {
      const row = entry.rows.get(d.id);
      if (!row) continue;
      const st = d.registered ? d.status : "UNREGISTERED";
      if (row.dataset.status !== st) {
        row.dataset.status = st;
        row.querySelector(".doc-state").replaceChildren(badge(st));
      }
      if (d.signers) {
        known = true;
        const answers = st + " " + d.signers.map((s) => s.status).join(",");
        if (entry.onView && row.dataset.answers !== answers) { // this tab's records hear changes only
          row.dataset.answers = answers;
          entry.onView({ id: d.id, title: d.title, createdAt: b.createdAt, priority: b.priority, status: st, signers: d.signers });
        }
        const n = d.signers.filter((s) => s.status === "SIGNED").length;
        row.querySelector(".doc-signed").textContent = t("app.nOfM", { n, m: d.signers.length });
        for (const s of d.signers) {
          const c = signers.get(s.mspId + "/" + s.id);
          if (c && s.status === "SIGNED") c.signed++;
          if (c && s.status === "DECLINED") c.declined++;
        }
      }
      if (FINAL.includes(st)) done++;
    }
    entry.statusBox.replaceChildren(el("span", { class: "muted", text: t("batch.closedN", { n: done, m: b.total }) + " " }),
      badge(done === b.total ? "COMPLETED" : "PENDING"));
    entry.card.dataset.status = done === b.total ? "DONE" : "PENDING";
    if (!known) return;
    for (const sc of entry.card.querySelectorAll(".signer-card")) {
      const c = signers.get(sc.dataset.signer);
      if (!c) continue;
      const p = sc._parts;
      if (c.signed === b.total) {
        if (sc.dataset.status !== "SIGNED") {
          sc.dataset.status = "SIGNED";
          p.qr.className = "qr-box done";
          p.qr.replaceChildren(t("batch.signedAll", { n: b.total }));
        }
        p.status.replaceChildren(badge("SIGNED"));
      } else if (c.signed || c.declined) {
        p.status.replaceChildren(badge("PENDING"), el("div", { class: "code-line", text: t("batch.progress", { signed: c.signed, declined: c.declined, n: b.total }) }));
      }
    }
  }

  // follow keeps the batch live through its server-sent event stream
  // (GET /v1/batches/{id}/events, read with fetch, which can send the API
  // key; EventSource cannot): every message is the whole batch, so a
  // reconnect after a drop misses nothing. "done" ends it: every document
  // is closed.
  function follow(entry) {
    (async () => {
      for (;;) {
        let rd = null;
        try {
          const res = await api("/v1/batches/" + encodeURIComponent(entry.batch.id) + "/events");
          rd = res.body.getReader();
          const dec = new TextDecoder();
          let buf = "";
          for (;;) {
            const { value, done } = await rd.read();
            if (done) break;
            buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
            let k;
            while ((k = buf.indexOf("\n\n")) >= 0) {
              const msg = sse(buf.slice(0, k));
              buf = buf.slice(k + 2);
              if (!msg.event) continue;
              entry.card.dataset.lastEvent = msg.event;
              if (msg.event === "done") return;
              if (msg.event === "batch") apply(entry, JSON.parse(msg.data));
            }
          }
        } catch (e) {
          if (e.status === 401 || e.status === 403 || e.status === 404) {
            entry.statusBox.append(el("span", { class: "error-text", text: " " + t("batch.liveStopped", { err: describe(e) }) }));
            return;
          }
        } finally {
          if (rd) rd.cancel().catch(() => {});
        }
        await QR.sleep(3000);
      }
    })();
  }

  // sse parses one server-sent event block: its event name and its data
  // lines joined by newlines.
  function sse(block) {
    let event = "";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return { event, data: data.join("\n") };
  }

  // openSheet fetches the batch sheet with the API key and opens it from a
  // blob URL (a plain link could not send the key).
  async function openSheet(id, fmt, statusLine) {
    statusLine.textContent = t("batch.preparing");
    statusLine.classList.remove("error");
    try {
      const res = await api("/v1/batches/" + encodeURIComponent(id) + "/sheet." + fmt + "?lang=" + encodeURIComponent(QRI18N.lang));
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      window.QRBatch.lastSheet = { format: fmt, type: blob.type, size: blob.size, url, blob };
      const name = "sheet-" + id + "." + fmt;
      // The PDF opens in a new tab. The HTML sheet is saved instead: a blob:
      // page inherits this page's CSP, which would block its inline styles
      // and data: QR images.
      let w = null;
      if (fmt === "pdf") {
        w = window.open(url, "_blank");
        if (w) w.opener = null;
      }
      if (!w) {
        const a = el("a", { href: url, download: name });
        document.body.append(a);
        a.click();
        a.remove();
      }
      statusLine.replaceChildren(t(w ? "batch.opened" : "batch.saved", { name, fmt: fmt.toUpperCase(), size: QR.fmtSize(blob.size) }) + " ",
        el("a", { href: url, download: name, text: t("batch.again") }));
      setTimeout(() => URL.revokeObjectURL(url), 60e3);
    } catch (err) {
      statusLine.textContent = describe(err);
      statusLine.classList.add("error");
    }
  }

  window.QRBatch = { upload, show, markErrors, openSheet, lastSheet: null };
})();
