// Public verification: hash a file locally (never uploaded) or take a hash,
// transaction id or document id, look it up with GET /v1/verify (no key
// needed where the relay offers public verification) and say whether the
// record is verified, not found or tampered. A PDF's revisions are checked
// too (POST /v1/verify/pdf with the hashes of its prefixes, computed here).
"use strict";
(function () {
  const { el, apiJSON, apiKey, badge, describe, fmtTime } = window.QR;
  const t = QRI18N.t;
  const $ = (id) => document.getElementById(id);
  const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  const HEX64 = /^[0-9a-fA-F]{64}$/;
  let fileHash = "", fileName = "";
  let filePrefixes = null; // a PDF's candidate revisions [{end, sha256}], else null
  let hashing = null; // the pending hash of the chosen file
  let seq = 0; // the latest run; older answers are dropped
  let hint = ""; // ?txId= or ?sha256= in the URL says what a 64-hex value is

  QR.dropzone($("dropzone"), $("file"), (files) => {
    const f = files[0];
    if (!f) return;
    fileName = f.name;
    fileHash = "";
    filePrefixes = null;
    $("file-hash").textContent = t("verify.hashing", { name: f.name });
    hashing = f.arrayBuffer().then(async (buf) => {
      const b = new Uint8Array(buf);
      filePrefixes = isPDF(b) ? await pdfPrefixes(b) : null;
      fileHash = filePrefixes ? filePrefixes[filePrefixes.length - 1].sha256 : await QR.sha256Hex(buf);
      $("file-hash").textContent = f.name + " · SHA-256 " + fileHash;
    });
    hashing.then(run);
  });

  // isPDF: "%PDF-" in the first 1024 bytes, where readers look for it.
  function isPDF(b) {
    const head = b.subarray(0, 1024);
    for (let i = head.indexOf(37); i >= 0 && i + 5 <= head.length; i = head.indexOf(37, i + 1)) {
      if (String.fromCharCode(...head.subarray(i, i + 5)) === "%PDF-") return true;
    }
    return false;
  }

  // pdfPrefixes lists where a revision may end — after each "%%EOF", after
  // it and one end of line, after the white space following it, and the
  // file's end — with the SHA-256 of the file up to there: relay/pdfrev's
  // Prefixes, so the relay recognises revisions without the file. At most
  // the last 1000 (the relay's bound).
  const WHITE = new Set([0, 9, 10, 12, 13, 32]);
  async function pdfPrefixes(b) {
    const ends = new Set([b.length]);
    for (let i = b.indexOf(37); i >= 0; ) {
      if (String.fromCharCode(...b.subarray(i, i + 5)) !== "%%EOF") { i = b.indexOf(37, i + 1); continue; }
      let e = i + 5;
      ends.add(e);
      if (b[e] === 13 && b[e + 1] === 10) ends.add(e + 2);
      else if (b[e] === 10 || b[e] === 13) ends.add(e + 1);
      while (e < b.length && WHITE.has(b[e])) e++;
      ends.add(e);
      i = b.indexOf(37, e);
    }
    const sorted = [...ends].sort((x, y) => x - y).filter((e) => e > 0).slice(-1000);
    const out = [];
    for (const end of sorted) out.push({ end, sha256: await QR.sha256Hex(b.subarray(0, end)) }); // one at a time: no copies
    return out;
  }

  // checkRevisions asks which of the chosen PDF's revisions the ledger
  // recorded and shows them; it answers the check (null when none is found).
  async function checkRevisions(my) {
    $("revisions").hidden = true;
    if (!filePrefixes) return null;
    let res;
    try {
      res = await apiJSON("/v1/verify/pdf", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ prefixes: filePrefixes }) });
    } catch (err) {
      if (err.status === 404 || my !== seq) return null;
      $("revisions-list").replaceChildren(el("p", { class: "status-line error", text: t("verify.revsFailed") + ": " + describe(err) }));
      $("revisions").hidden = false;
      return null;
    }
    if (my !== seq) return null;
    $("revisions-list").replaceChildren(...res.matches.map((m) => revisionsOf(m)));
    $("revisions").hidden = false;
    return res;
  }

  function revisionsOf(m) {
    const revs = m.revisions;
    const last = revs[revs.length - 1];
    const notes = [t(m.complete ? "verify.chainOk" : "verify.chainGap", { n: last.revision })];
    if (!m.latest) notes.push(t("verify.notLatest"));
    if (m.unrecognisedBytes > 0) notes.push(t("verify.tail", { n: m.unrecognisedBytes, rev: last.revision }));
    return el("div", { class: "card", dataset: { complete: String(m.complete), latest: String(m.latest), unrecognised: String(m.unrecognisedBytes) } },
      el("h3", { text: t("verify.revsOf", { doc: m.documentId ? t("verify.docNamed", { id: m.documentId }) : t("verify.theDoc") }) }),
      ...notes.map((n) => el("p", { class: m.complete && n === notes[0] ? "check-ok" : "help", text: n })),
      el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, ...["verify.colRev", "verify.colSigner", "verify.colTime", "verify.colTx", "verify.colBlock", "verify.colEnd"]
          .map((k) => el("th", { scope: "col", text: t(k) })))),
        el("tbody", {}, ...revs.map((r) => el("tr", { dataset: { revision: String(r.revision), kind: r.kind || "" } },
          el("td", { text: r.revision === 0 ? t("verify.revOriginal") : r.kind === "dss" ? t("verify.revDSS", { n: r.revision }) : String(r.revision) }),
          el("td", { text: QR.showText(r.signer) || "—" }), // ledger text
          el("td", { text: fmtTime(r.at) }), el("td", {}, el("code", { class: "break", text: r.txId })),
          el("td", { text: String(r.blockNumber) }), el("td", { text: String(r.end) })))))));
  }

  function outcome(state, title, detail) {
    const o = $("outcome");
    o.hidden = false;
    o.dataset.state = state;
    o.replaceChildren(el("span", { class: "big", text: title })); // not replaceChildren(…, null): that shows "null"
    if (detail) o.append(el("p", { text: detail }));
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
    let by, value, revisions = null;
    $("revisions").hidden = true;
    if (q) {
      if (HEX64.test(q)) { by = hint || "auto"; value = q.toLowerCase(); }
      else if (ID_RE.test(q)) { by = "doc"; value = q; }
      else {
        hideResults();
        outcome("error", t("verify.badQuery"), t("verify.badQueryd"));
        return;
      }
    } else if (fileHash) {
      by = "sha256"; value = fileHash;
      revisions = checkRevisions(my);
    } else {
      hideResults();
      outcome("info", t("verify.choose"));
      $("query").focus();
      return;
    }
    outcome("checking", QRI18N.t("verify.reading"));
    let res;
    try {
      res = await lookup(by, value);
    } catch (err) {
      if (my !== seq) return;
      hideResults();
      if (err.status === 401 || err.status === 403) {
        $("access").open = true;
        outcome("error", t("verify.needKey"), describe(err));
        $("api-key").focus();
      } else if (err.status === 404) {
        const revs = await revisions;
        if (my !== seq) return;
        const m = revs && revs.matches[0];
        if (m && m.revisions.length) {
          outcome("mismatch", t("verify.pdfPartial", { name: fileName }),
            t("verify.pdfPartiald", { rev: m.revisions[m.revisions.length - 1].revision, n: m.unrecognisedBytes }));
        } else {
          notFound(by, value, err);
        }
      } else if (err.status === 400) {
        outcome("error", t("verify.refused"), describe(err));
      } else {
        outcome("error", t("verify.unreadable"), describe(err));
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
      outcome("notfound", t("verify.nfFile", { name: fileName }), t("verify.nfFiled", { sha: value }));
    } else if (by === "sha256") {
      outcome("notfound", t("verify.nfSha"), describe(err));
    } else if (by === "txId") {
      outcome("notfound", t("verify.nfTx"), describe(err));
    } else if (by === "auto") {
      outcome("notfound", t("verify.nfAuto"), t("verify.nfAutod", { value }));
    } else {
      outcome("notfound", t("verify.nfId"), describe(err));
    }
  }

  // The public view (no key) omits titles, owners, tags, signer identities
  // and, for hash and transaction lookups, document ids: name records by what is there.
  const label = (m) => m.title ? QR.showText(m.title) : (m.documentId ? t("verify.docNamed", { id: m.documentId }) : t("verify.theDoc"));

  function showMatches(res, pick) {
    const list = res.matches || [];
    const sec = $("matches-section");
    if (list.length < 2 && !res.more) { sec.hidden = true; return; }
    sec.hidden = false;
    const what = t(res.by === "txId" ? "verify.txDocs" : "verify.sameBytes", { n: list.length });
    $("matches-help").textContent = what + t(res.more ? "verify.firstN" : "verify.chooseOne", { n: list.length });
    $("matches").replaceChildren(...list.map((m, i) => el("li", {},
      el("button", { type: "button", class: "secondary", "aria-current": i === pick ? "true" : "false", dataset: { doc: m.documentId } },
        el("span", { text: QR.showText(m.title) || t("verify.registeredAt", { at: fmtTime(m.registration.at) }) }), el("code", { text: m.documentId }), badge(m.status),
        el("span", { class: m.verified ? "check-ok" : "check-bad", text: t(m.verified ? "verify.ok" : "verify.fails") })))));
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
    const summary = t("verify.summary", { status: t("status." + m.status), signed, n: m.signers.length, block: m.registration.blockNumber });
    const failed = (m.verification.checks || []).filter((c) => !c.ok);
    if (!m.verified) {
      outcome("tampered", t("verify.tampered", { doc: label(m) }),
        failed.map((c) => checkName(c) + ": " + failReason(c)).join("; ") || t("verify.tamperedd"));
    } else if (fileHash && fileHash === m.sha256) {
      outcome("match", t("verify.match", { name: fileName, doc: label(m) }),
        t("verify.matchd", { n: m.verification.checks.length }) + " " + summary);
    } else if (fileHash) {
      outcome("mismatch", t("verify.mismatch", { name: fileName, doc: label(m) }),
        t("verify.mismatchd", { got: fileHash, want: m.sha256 }));
    } else {
      outcome("found", t("verify.found1", { doc: label(m) }),
        summary + " " + t("verify.found1d", { n: m.verification.checks.length }));
    }
  }

  // eventName is a ledger event type in the page's language.
  const eventName = (type) => t("event." + type);

  // checkName names a VerifyRecord check in the page's language from its
  // stable code and event; an answer without a code keeps the chaincode's name.
  function checkName(c) {
    if (!c.code) return c.name;
    const e = c.event;
    if (!e) return t("check." + c.code);
    return t(e.signer ? "verify.checkOfEventBy" : "verify.checkOfEvent", { check: t("check." + c.code), seq: e.seq, event: eventName(e.type), signer: e.signer });
  }

  // failReason says in the page's language what a failed check means; an
  // answer without a code keeps the chaincode's diagnostics.
  const failReason = (c) => (c.code ? t("check." + c.code + ".fail") : c.detail || "");

  // checkDetail is a check's detail cell: a passed check's in the page's
  // language from its params; a failure's meaning in the page's language,
  // then its diagnostics as the chaincode wrote them (data, like the hashes
  // and ids in them), folded.
  function checkDetail(c) {
    if (c.ok && c.code && c.detail) return el("td", { class: "break", text: t("check." + c.code + "OK", c.params || {}) });
    if (c.ok || !c.code) return el("td", {}, c.detail ? el("code", { class: "break", text: c.detail }) : "");
    return el("td", {}, el("span", { text: failReason(c) }), c.detail ? el("details", {}, el("summary", { text: t("verify.rawDiag") }),
      el("code", { class: "break", text: c.detail })) : "");
  }

  function show(res, m) {
    const pos = (p) => t("verify.pos", { at: fmtTime(p.at), tx: p.txId, block: p.blockNumber });
    const facts = [
      ["verify.fTitle", QR.showText(m.title)], ["sign.docId", m.documentId, true], ["verify.fSha", m.sha256, true],
      ["verify.fType", (m.docType ? QR.docType(m.docType) + " · " : "") + m.mediaType + " · " + QR.fmtSize(m.size)],
      ["verify.fOwner", m.ownerMsp], ["verify.colStatus", badge(m.status)],
      ["verify.fRegistered", pos(m.registration)],
    ];
    if (m.closed) facts.push(["verify.fClosed", pos(m.closed)]);
    else facts.push(["sign.before", fmtTime(m.expiresAt)]);
    if (res.by === "txId" && m.txEvents && m.txEvents.length) {
      facts.push(["verify.fThisTx", t("verify.recorded", { tx: res.value, events:
        m.txEvents.map((e) => eventName(e.type) + (e.signer ? " (" + e.signer + ")" : "")).join(", ") })]);
    }
    if (m.tags && m.tags.length) facts.push(["verify.fTags", m.tags.join(", ")]);
    facts.push(["verify.fLedger", t("verify.channel", { channel: res.channel || QR.meta("channel") })]);
    if (m.view === "public") {
      const view = m.signers.some((s) => !s.id) ? (m.signers.some((s) => s.mspId) ? "verify.publicViewWhoOrg" : "verify.publicViewWho") : "verify.publicView";
      facts.push(["verify.fShown", t(view)]);
    }
    $("record-facts").replaceChildren(...facts.filter(([, v]) => v !== undefined && v !== "").flatMap(([k, v, mono]) => [el("dt", { text: t(k) }),
      typeof v === "string" ? el("dd", { class: mono ? "mono break" : "", text: v }) : el("dd", {}, v)]));
    $("signers-body").replaceChildren(...m.signers.map((s) => el("tr", { dataset: { signer: s.id ? s.mspId + "/" + s.id : "" } },
      el("td", { text: s.id || "—" }), el("td", { text: s.mspId || "—" }), el("td", { text: String(s.routingOrder) }),
      el("td", {}, badge(s.status)), el("td", { text: s.at ? fmtTime(s.at) : "—" }),
      el("td", {}, s.txId ? el("code", { class: "break", text: s.txId }) : "—"),
      el("td", { text: s.blockNumber !== undefined && s.blockNumber !== null ? String(s.blockNumber) : "—" }))));
    $("checks-body").replaceChildren(...(m.verification.checks || []).map((c) => el("tr", { dataset: { code: c.code || "" } },
      el("td", { text: checkName(c) }), el("td", { class: c.ok ? "check-ok" : "check-bad", text: t(c.ok ? "verify.checkOk" : "verify.checkFailed") }),
      checkDetail(c))));
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
      return el("tr", { dataset: { type: e.type } }, // the event type as the ledger records it
        el("td", { text: String(e.seq) }), el("td", { text: eventName(e.type) }), el("td", { text: fmtTime(e.timestamp) }),
        el("td", {}, el("code", { class: "break", text: e.txId })), el("td", { text: String(p.blockNumber) }),
        el("td", { text: p.validationCode }), el("td", { text: p.submitterMsp }),
        el("td", { class: "mono break", text: p.signerSubject || "—" })); // an X.509 name: data
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
    st.textContent = t("verify.collecting");
    try {
      const blob = await (await QR.api("/v1/documents/" + encodeURIComponent(id) + "/evidence")).blob();
      const url = URL.createObjectURL(blob);
      const name = "evidence-" + id + ".json";
      window.QRVerify = { lastEvidence: { id, size: blob.size, url, blob } };
      const a = el("a", { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      st.replaceChildren(t("verify.saved", { name, size: QR.fmtSize(blob.size) }) + " ", el("a", { href: url, download: name, text: t("verify.saveAgain") }));
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
