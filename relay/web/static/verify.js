// Public verification: hash a file locally (never uploaded) or take a hash,
// transaction id or document id, look it up with GET /v1/verify (no key
// needed where the relay offers public verification) and say whether the
// record is verified, not found or tampered.
"use strict";
(function () {
  const { el, apiJSON, apiKey, badge, describe, fmtTime } = window.QR;
  const $ = (id) => document.getElementById(id);
  const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  const HEX64 = /^[0-9a-fA-F]{64}$/;
  let fileHash = "", fileName = "";
  let hashing = null; // the pending hash of the chosen file
  let seq = 0; // the latest run; older answers are dropped
  let hint = ""; // ?txId= or ?sha256= in the URL says what a 64-hex value is

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
    hashing.then(run);
  });

  function outcome(state, title, detail) {
    const o = $("outcome");
    o.hidden = false;
    o.dataset.state = state;
    o.replaceChildren(el("span", { class: "big", text: title }), detail ? el("p", { text: detail }) : null);
  }

  function hideResults() {
    $("record").hidden = true;
    $("matches-section").hidden = true;
  }

  // lookup asks the relay; a 64-hex value is a hash first, then a tx id.
  async function lookup(by, value) {
    const ask = (b) => apiJSON("/v1/verify?" + new URLSearchParams({ [b]: value }));
    if (by !== "auto") return ask(by);
    try {
      return await ask("sha256");
    } catch (err) {
      if (err.status !== 404) throw err;
      return ask("txId");
    }
  }

  async function run() {
    const my = ++seq;
    const q = $("query").value.trim();
    const key = $("api-key").value.trim();
    if (key) { apiKey.set(key); $("api-key").value = ""; }
    if (hashing) await hashing;
    if (my !== seq) return;
    let by, value;
    if (q) {
      if (HEX64.test(q)) { by = hint || "auto"; value = q.toLowerCase(); }
      else if (ID_RE.test(q)) { by = "doc"; value = q; }
      else {
        hideResults();
        outcome("error", "That is not a hash, transaction id or document id",
          "A SHA-256 or a transaction id is 64 hex characters; a document id is 1–64 letters, digits, dots, dashes or underscores.");
        return;
      }
    } else if (fileHash) {
      by = "sha256"; value = fileHash;
    } else {
      hideResults();
      outcome("info", "Choose a file or enter a hash, transaction id or document id");
      $("query").focus();
      return;
    }
    outcome("checking", "Reading the ledger…");
    let res;
    try {
      res = await lookup(by, value);
    } catch (err) {
      if (my !== seq) return;
      hideResults();
      if (err.status === 401 || err.status === 403) {
        $("access").open = true;
        outcome("error", "This relay needs an access key to show records", describe(err));
        $("api-key").focus();
      } else if (err.status === 404) {
        notFound(by, value, err);
      } else if (err.status === 400) {
        outcome("error", "The relay refused this lookup", describe(err));
      } else {
        outcome("error", "The record could not be read", describe(err));
      }
      return;
    }
    if (my !== seq) return;
    const u = new URL(location.href);
    for (const k of ["doc", "sha256", "txId"]) u.searchParams.delete(k);
    u.searchParams.set(res.by, res.value);
    history.replaceState(null, "", u.pathname + u.search);
    const matches = res.matches || [];
    // With a file, show the document with its bytes if one was found.
    let pick = matches.findIndex((m) => fileHash && m.sha256 === fileHash);
    if (pick < 0) pick = 0;
    showMatches(res, pick);
    select(res, pick);
  }

  function notFound(by, value, err) {
    if (by === "sha256" && !$("query").value.trim()) {
      outcome("notfound", "Not found: " + fileName + " is not on this ledger",
        "No document registered here has its SHA-256 " + value + ". It was never registered on this ledger, or it was changed after registration: if you know its document id, enter it to compare.");
    } else if (by === "sha256") {
      outcome("notfound", "Not found: no document on this ledger has this SHA-256", describe(err));
    } else if (by === "txId") {
      outcome("notfound", "Not found: this transaction recorded no document here", describe(err));
    } else if (by === "auto") {
      outcome("notfound", "Not found: no document has this hash and no transaction with this id wrote one",
        value + " is neither the SHA-256 of a registered document nor the id of a transaction that recorded a document event here (ledgers from before hash and transaction lookups find older records only by document id).");
    } else {
      outcome("notfound", "Not found: no document with this id is on the ledger", describe(err));
    }
  }

  // The public view (no key) omits titles, owners, tags, signer identities
  // and, for hash and transaction lookups, document ids: name records by what is there.
  const label = (m) => m.title || (m.documentId ? "document " + m.documentId : "the registered document");

  function showMatches(res, pick) {
    const list = res.matches || [];
    const sec = $("matches-section");
    if (list.length < 2 && !res.more) { sec.hidden = true; return; }
    sec.hidden = false;
    const what = res.by === "txId" ? "This transaction wrote events to " + list.length + " documents" :
      list.length + " documents were registered with these bytes";
    $("matches-help").textContent = what + (res.more ? " (the first " + list.length + " are listed)." : ". Choose one to see its record.");
    $("matches").replaceChildren(...list.map((m, i) => el("li", {},
      el("button", { type: "button", class: "secondary", "aria-current": i === pick ? "true" : "false", dataset: { doc: m.documentId } },
        el("span", { text: QR.showText(m.title) || "registered " + fmtTime(m.registration.at) + " UTC" }), el("code", { text: m.documentId }), badge(m.status),
        el("span", { class: m.verified ? "check-ok" : "check-bad", text: m.verified ? "verified" : "fails verification" })))));
    $("matches").querySelectorAll("button").forEach((b, i) => b.addEventListener("click", () => {
      $("matches").querySelectorAll("button").forEach((o) => o.setAttribute("aria-current", o === b ? "true" : "false"));
      select(res, i);
    }));
  }

  // select shows one match and the verdict on it.
  function select(res, i) {
    const m = res.matches[i];
    show(res, m);
    const signed = m.signers.filter((s) => s.status === "SIGNED").length;
    const summary = "Status " + m.status.toLowerCase() + ", " + signed + " of " + m.signers.length + " signatures; registered in block " +
      m.registration.blockNumber + ".";
    const failed = (m.verification.checks || []).filter((c) => !c.ok);
    if (!m.verified) {
      outcome("tampered", "Tampered: the ledger record of " + label(m) + " fails verification",
        failed.map((c) => c.name + (c.detail ? ": " + c.detail : "")).join("; ") || "VerifyRecord reported a failure.");
    } else if (fileHash && fileHash === m.sha256) {
      outcome("match", "Verified: " + fileName + " is " + label(m),
        "Its SHA-256 equals the hash on the ledger and the chaincode re-verified the record (" + m.verification.checks.length + " checks). " + summary);
    } else if (fileHash) {
      outcome("mismatch", "Mismatch: " + fileName + " is not " + label(m),
        "Its SHA-256 " + fileHash + " differs from the ledger's " + m.sha256 + ": the file was changed (tampered) or is another document.");
    } else {
      outcome("found", "Record found and verified: " + label(m),
        summary + " The chaincode re-verified the record (" + m.verification.checks.length + " checks). Add the file to check it is this document.");
    }
  }

  function show(res, m) {
    const pos = (p) => fmtTime(p.at) + " UTC · tx " + p.txId + " · block " + p.blockNumber;
    const facts = [
      ["Title", QR.showText(m.title)], ["Document id", m.documentId], ["SHA-256", m.sha256],
      ["Type", (m.docType ? m.docType + " · " : "") + m.mediaType + " · " + QR.fmtSize(m.size)],
      ["Owner org", m.ownerMsp], ["Status", badge(m.status)],
      ["Registered", pos(m.registration)],
    ];
    if (m.closed) facts.push(["Closed", pos(m.closed)]);
    else facts.push(["Sign before", fmtTime(m.expiresAt) + " UTC"]);
    if (res.by === "txId" && m.txEvents && m.txEvents.length) {
      facts.push(["This transaction", res.value + " recorded " +
        m.txEvents.map((e) => e.type + (e.signer ? " (" + e.signer + ")" : "")).join(", ")]);
    }
    if (m.tags && m.tags.length) facts.push(["Tags", m.tags.join(", ")]);
    facts.push(["Ledger", "channel " + (res.channel || QR.meta("channel"))]);
    if (m.view === "public") {
      const hidden = ["titles", "owners", "tags"];
      if (m.signers.some((s) => !s.id)) hidden.push(m.signers.some((s) => s.mspId) ? "who in each organisation signed" : "who signed");
      facts.push(["Shown", "public view: " + hidden.slice(0, -1).join(", ") + " and " + hidden[hidden.length - 1] + " need an API key with documents:read"]);
    }
    $("record-facts").replaceChildren(...facts.filter(([, v]) => v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", { text: k }),
      typeof v === "string" ? el("dd", { class: k === "SHA-256" || k === "Document id" ? "mono break" : "", text: v }) : el("dd", {}, v)]));
    $("signers-body").replaceChildren(...m.signers.map((s) => el("tr", { dataset: { signer: s.id ? s.mspId + "/" + s.id : "" } },
      el("td", { text: s.id || "—" }), el("td", { text: s.mspId || "—" }), el("td", { text: String(s.routingOrder) }),
      el("td", {}, badge(s.status)), el("td", { text: s.at ? fmtTime(s.at) : "—" }),
      el("td", {}, s.txId ? el("code", { class: "break", text: s.txId }) : "—"),
      el("td", { text: s.blockNumber !== undefined && s.blockNumber !== null ? String(s.blockNumber) : "—" }))));
    $("checks-body").replaceChildren(...(m.verification.checks || []).map((c) => el("tr", {},
      el("td", { text: c.name }), el("td", { class: c.ok ? "check-ok" : "check-bad", text: c.ok ? "ok" : "FAILED" }),
      el("td", { class: "break", text: c.detail }))));
    $("record").hidden = false;
    history_(m.documentId);
  }

  // history_ adds the full event history where this tab holds a key that may read it.
  async function history_(id) {
    $("history").hidden = true;
    $("evidence").hidden = true;
    if (!apiKey.get() || !id) return;
    evidenceFor = id;
    $("evidence-cmd").textContent = "qrsign verify-evidence evidence-" + id + ".json [document] --ca <MSP>=<org CA>.pem … --orderer-ca <MSP>=<orderer CA>.pem --endorsing-orgs <N>";
    $("evidence-status").textContent = "";
    $("evidence").hidden = false;
    let prov;
    try {
      prov = await apiJSON("/v1/documents/" + encodeURIComponent(id) + "/provenance");
    } catch (err) {
      return; // the public record above stands on its own
    }
    $("events-body").replaceChildren(...prov.events.map((p) => {
      const e = p.event;
      return el("tr", {},
        el("td", { text: String(e.seq) }), el("td", { text: e.type }), el("td", { text: fmtTime(e.timestamp) }),
        el("td", {}, el("code", { class: "break", text: e.txId })), el("td", { text: String(p.blockNumber) }),
        el("td", { text: p.validationCode }), el("td", { text: p.submitterMsp }),
        el("td", { class: "break", text: p.signerSubject || "—" }));
    }));
    $("history").hidden = false;
  }

  // The evidence bundle (GET /v1/documents/{id}/evidence) needs the key: it
  // is fetched with it and saved from a blob URL.
  let evidenceFor = "";
  $("evidence-btn").addEventListener("click", async () => {
    const id = evidenceFor;
    const st = $("evidence-status");
    st.classList.remove("error");
    st.textContent = "Collecting the transactions and blocks from the ledger…";
    try {
      const blob = await (await QR.api("/v1/documents/" + encodeURIComponent(id) + "/evidence")).blob();
      const url = URL.createObjectURL(blob);
      const name = "evidence-" + id + ".json";
      window.QRVerify = { lastEvidence: { id, size: blob.size, url, blob } };
      const a = el("a", { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      st.replaceChildren("Saved " + name + " (" + QR.fmtSize(blob.size) + "). ", el("a", { href: url, download: name, text: "Save again" }));
      setTimeout(() => URL.revokeObjectURL(url), 300e3);
    } catch (err) {
      st.textContent = describe(err);
      st.classList.add("error");
    }
  });

  $("verify-form").addEventListener("submit", (e) => { e.preventDefault(); run(); });

  $("query").addEventListener("input", () => { hint = ""; });
  const params = new URLSearchParams(location.search);
  const pre = params.get("doc") || params.get("sha256") || params.get("txId");
  if (params.get("txId")) hint = "txId";
  else if (params.get("sha256")) hint = "sha256";
  if (pre) { $("query").value = pre; run(); }
})();
