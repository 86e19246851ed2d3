// Public verification: hash a file locally, read the document's ledger record
// and history, and say whether the file is the registered document.
"use strict";
(function () {
  const { el, apiJSON, apiKey, badge, describe, fmtTime } = window.QR;
  const $ = (id) => document.getElementById(id);
  const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  let fileHash = "", fileName = "";
  let hashing = null; // the pending hash of the chosen file

  QR.dropzone($("dropzone"), $("file"), (files) => {
    const f = files[0];
    if (!f) return;
    fileName = f.name;
    fileHash = "";
    $("file-hash").textContent = "Hashing " + f.name + "…";
    hashing = f.arrayBuffer().then(QR.sha256Hex).then((h) => {
      fileHash = h;
      $("file-hash").textContent = f.name + " · SHA-256 " + h;
    });
    hashing.then(() => { if ($("doc-id").value.trim()) run(); });
  });

  function outcome(state, title, detail) {
    const o = $("outcome");
    o.hidden = false;
    o.dataset.state = state;
    o.replaceChildren(el("span", { class: "big", text: title }), detail ? el("p", { text: detail }) : null);
  }

  async function run() {
    const id = $("doc-id").value.trim();
    const key = $("api-key").value.trim();
    if (key) { apiKey.set(key); $("api-key").value = ""; }
    if (hashing) await hashing;
    if (!id) {
      if (fileHash) {
        outcome("info", "Enter the document id", "Looking a record up by its hash is not offered by this relay; enter the id printed on the signing request.");
      } else {
        outcome("info", "Choose a file or enter a document id");
      }
      $("doc-id").focus();
      return;
    }
    if (!ID_RE.test(id)) { outcome("error", "That is not a document id", "Ids are 1–64 letters, digits, dots, dashes or underscores."); return; }
    const u = new URL(location.href);
    u.searchParams.set("doc", id);
    history.replaceState(null, "", u.pathname + u.search);
    outcome("checking", "Reading the ledger record…");
    let prov;
    try {
      prov = await apiJSON("/v1/documents/" + encodeURIComponent(id) + "/provenance");
    } catch (err) {
      $("record").hidden = true;
      if (err.status === 401 || err.status === 403) {
        $("access").open = true;
        outcome("error", "This relay needs an access key to show records", describe(err));
        $("api-key").focus();
      } else if (err.status === 404) {
        outcome("error", "No document with this id is on the ledger", describe(err));
      } else {
        outcome("error", "The record could not be read", describe(err));
      }
      return;
    }
    show(prov);
    const d = prov.document;
    const st = d.effectiveStatus || d.status;
    const signed = (d.signers || []).filter((s) => s.status === "SIGNED").length;
    const summary = "Status " + st.toLowerCase() + ", " + signed + " of " + (d.signers || []).length + " signatures, " + prov.events.length + " ledger events.";
    if (!fileHash) {
      outcome("found", "Record found: " + d.title, summary + " Add the file to check it is this document.");
    } else if (fileHash === d.sha256) {
      outcome("match", "Match: " + fileName + " is the registered document", "Its SHA-256 equals the hash on the ledger. " + summary);
    } else {
      outcome("mismatch", "Mismatch: " + fileName + " is not the registered document", "Its SHA-256 " + fileHash + " differs from the ledger's " + d.sha256 + ". The file was changed or is another document.");
    }
  }

  function show(prov) {
    const d = prov.document;
    const created = prov.events.find((e) => e.event.type === "DocumentRegistered");
    const facts = [
      ["Title", d.title], ["Document id", d.id], ["SHA-256", d.sha256],
      ["Type", d.docType + " · " + d.mediaType + " · " + QR.fmtSize(d.size)],
      ["Owner", d.owner + " (" + d.ownerMsp + ")"], ["Priority", String(d.priority)],
      ["Status", badge(d.effectiveStatus || d.status)],
      ["Registered", fmtTime(d.createdAt) + " UTC · tx " + d.createdTxId + (created ? " · block " + created.blockNumber : "")],
      ["Sign before", fmtTime(d.expiresAt) + " UTC"],
    ];
    const closed = prov.events.find((e) => e.event.txId === d.closedTxId);
    if (d.closedAt) facts.push(["Closed", fmtTime(d.closedAt) + " UTC · tx " + d.closedTxId + (closed ? " · block " + closed.blockNumber : "")]);
    if (d.tags && d.tags.length) facts.push(["Tags", d.tags.join(", ")]);
    const ch = QR.meta("channel");
    if (ch) facts.push(["Channel", ch]);
    $("record-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }),
      typeof v === "string" ? el("dd", { class: k === "SHA-256" || k === "Document id" ? "mono break" : "", text: v }) : el("dd", {}, v)]));
    const blocks = new Map(prov.events.map((p) => [p.event.txId, p.blockNumber]));
    $("signers-body").replaceChildren(...(d.signers || []).map((s) => el("tr", {},
      el("td", { text: s.id }), el("td", { text: s.mspId }), el("td", { text: String(s.routingOrder) }),
      el("td", {}, badge(s.status)), el("td", { text: s.at ? fmtTime(s.at) : "—" }),
      el("td", {}, s.txId ? el("code", { class: "break", text: s.txId }) : "—"),
      el("td", { text: s.txId && blocks.has(s.txId) ? String(blocks.get(s.txId)) : "—" }))));
    $("events-body").replaceChildren(...prov.events.map((p) => {
      const e = p.event;
      return el("tr", {},
        el("td", { text: String(e.seq) }), el("td", { text: e.type }), el("td", { text: fmtTime(e.timestamp) }),
        el("td", {}, el("code", { class: "break", text: e.txId })), el("td", { text: String(p.blockNumber) }),
        el("td", { text: p.validationCode }), el("td", { text: p.submitterMsp }),
        el("td", { class: "break", text: p.signerSubject || "—" }));
    }));
    $("record").hidden = false;
  }

  $("verify-form").addEventListener("submit", (e) => { e.preventDefault(); run(); });

  const doc = new URLSearchParams(location.search).get("doc");
  if (doc) { $("doc-id").value = doc; run(); }
})();
