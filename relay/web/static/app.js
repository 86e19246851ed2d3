// Desktop app: API key, upload form, per-signer QR codes with live status, records of this tab.
"use strict";
(function () {
  const { el, api, apiJSON, apiKey, badge, describe } = window.QR;
  const { t, nodes } = window.QRI18N;
  const $ = (id) => document.getElementById(id);
  const DOCS = "qrsign.docs"; // this tab's registered documents, for the records table
  const live = new Map(); // document id -> {view, card, source, poll}

  // ---- API key ----
  function showKeyState() {
    const has = !!apiKey.get();
    $("key-forget").hidden = !has;
    $("key-state").textContent = t(has ? "app.keySet" : "app.keyUnset");
    $("api-key").value = "";
    $("api-key").placeholder = has ? t("app.keyPlaceholder") : "";
  }
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const v = $("api-key").value.trim();
    if (!v) return;
    apiKey.set(v);
    showKeyState();
  });
  $("key-forget").addEventListener("click", () => { apiKey.clear(); showKeyState(); $("api-key").focus(); });

  // ---- signers ----
  function addSigner(focus) {
    const row = $("signer-row-tpl").content.firstElementChild.cloneNode(true);
    QRI18N.apply(row); // a template's content is not translated with the page
    row.querySelector('[name="mspId"]').value = QR.meta("msp");
    $("signer-rows").append(row);
    labelRows();
    if (focus) row.querySelector('[name="signerId"]').focus();
  }
  function labelRows() {
    const rows = [...$("signer-rows").rows];
    rows.forEach((r, i) => {
      const n = { n: i + 1 };
      r.querySelector('[name="mspId"]').setAttribute("aria-label", t("app.ariaMsp", n));
      r.querySelector('[name="signerId"]').setAttribute("aria-label", t("app.ariaSigner", n));
      r.querySelector('[name="order"]').setAttribute("aria-label", t("app.ariaOrder", n));
      const rm = r.querySelector(".remove-signer");
      rm.setAttribute("aria-label", t("app.ariaRemove", n));
      rm.hidden = rows.length === 1; // a request needs at least one signer
    });
  }
  $("add-signer").addEventListener("click", () => addSigner(true));
  $("signer-rows").addEventListener("click", (e) => {
    const b = e.target.closest(".remove-signer");
    if (!b) return;
    b.closest("tr").remove();
    labelRows();
    $("add-signer").focus();
  });

  // ---- files ----
  QR.dropzone($("dropzone"), $("files"), (files) => {
    const list = $("file-list");
    list.replaceChildren(...[...files].map((f) => el("li", { text: f.name + " · " + QR.fmtSize(f.size) })));
  });

  // The dropzone's help says what an upload makes of the files.
  const filesHelp = $("files-help").textContent;
  $("as-batch").addEventListener("change", () => {
    $("files-help").textContent = $("as-batch").checked
      ? t("app.batchFilesHelp")
      : filesHelp;
  });

  // ---- defaults ----
  function localInput(d) {
    const p = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  $("expires").value = localInput(new Date(Date.now() + 7 * 86400e3));
  $("expires").min = localInput(new Date());

  // ---- upload ----
  function setStatus(msg, error) {
    const s = $("upload-status");
    s.textContent = msg;
    s.classList.toggle("error", !!error);
  }

  function collect() {
    const form = $("upload-form");
    form.querySelectorAll("input").forEach((i) => i.setAttribute("data-touched", ""));
    if (!apiKey.get()) return { error: t("app.needKey"), focus: $("api-key") };
    const files = [...$("files").files];
    if (!files.length) return { error: t("app.needFile"), focus: $("files") };
    for (const inp of form.querySelectorAll("input, select")) {
      if (inp.type !== "file" && !inp.checkValidity()) {
        const label = inp.getAttribute("aria-label") || (inp.labels && inp.labels[0] && inp.labels[0].textContent) || inp.name;
        return { error: t("app.checkField", { label: label.trim(), msg: inp.validationMessage }), focus: inp };
      }
    }
    const signers = [...$("signer-rows").rows].map((r) => ({
      id: r.querySelector('[name="signerId"]').value.trim(),
      mspId: r.querySelector('[name="mspId"]').value.trim(),
      routingOrder: parseInt(r.querySelector('[name="order"]').value, 10),
    }));
    const expires = new Date($("expires").value);
    if (isNaN(expires) || expires <= new Date()) return { error: t("app.pastDeadline"), focus: $("expires") };
    return {
      files, signers,
      common: {
        docType: $("doctype").value, owner: $("owner").value.trim(),
        priority: parseInt($("priority").value, 10), expiresAt: expires.toISOString(),
      },
    };
  }

  $("upload-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const c = collect();
    if (c.error) { setStatus(c.error, true); c.focus.focus(); return; }
    const btn = $("upload-submit");
    btn.disabled = true;
    let done = 0;
    try {
      if ($("as-batch").checked) {
        const b = await QRBatch.upload(c, $("title").value.trim(), $("file-list"), setStatus);
        $("results-section").hidden = false;
        $("results-h").tabIndex = -1;
        QRBatch.show(b, $("results"), remember);
        done = c.files.length;
      }
      for (const f of $("as-batch").checked ? [] : c.files) {
        setStatus(t("app.registering", { name: f.name, i: done + 1, n: c.files.length }));
        const title = ($("title").value.trim() || f.name).slice(0, 256);
        const fd = new FormData();
        fd.append("metadata", JSON.stringify(Object.assign({ title, signers: c.signers }, c.common)));
        fd.append("file", f, f.name); // after the metadata: the relay streams it straight to its store
        const reg = await apiJSON("/v1/documents", {
          method: "POST", body: fd,
          onWait: (s) => setStatus(t("app.busy", { name: f.name, s })),
        });
        showRegistered(reg);
        done++;
      }
      setStatus(t($("as-batch").checked ? "app.registeredBatch" : done === 1 ? "app.registeredOne" : "app.registeredN", { n: done }));
      // Keep the signers and settings for the next request; clear the files and title.
      $("files").value = "";
      $("title").value = "";
      $("file-list").replaceChildren();
      $("upload-form").querySelectorAll("[data-touched]").forEach((i) => i.removeAttribute("data-touched"));
      $("results-h").focus();
    } catch (err) {
      setStatus(done ? t("app.registeredThen", { n: done, err: describe(err) }) : describe(err), true);
    } finally {
      btn.disabled = false;
    }
  });

  // ---- registered documents ----
  function showRegistered(reg) {
    const d = reg.document;
    $("results-section").hidden = false;
    $("results-h").tabIndex = -1;
    const statusBox = el("span", { class: "doc-status", "aria-live": "polite" }, badge(d.effectiveStatus || d.status));
    const signerCards = (reg.signing || []).map((l) => signerCard(d, l));
    const card = el("article", { class: "doc-card", "aria-labelledby": "t-" + d.id, dataset: { doc: d.id } },
      el("div", { class: "doc-head" },
        el("div", {},
          el("h3", { id: "t-" + d.id, text: QR.showText(d.title) }),
          el("p", { class: "doc-meta" }, ...nodes("app.docMeta", {
            id: el("code", { text: d.id }), sha: el("code", { title: d.sha256, text: QR.short(d.sha256, 16) }),
            tx: el("code", { title: reg.txId, text: QR.short(reg.txId, 12) }), block: reg.blockNumber }))),
        statusBox),
      el("div", { class: "signer-cards" }, ...signerCards),
      el("div", { class: "doc-links" },
        el("a", { href: "/verify?doc=" + encodeURIComponent(d.id), text: t("app.provenance") })));
    const downloads = el("div", { class: "doc-links doc-downloads" });
    card.append(downloads);
    $("results").prepend(card);
    const entry = { view: d, card, statusBox, downloads, tokens: (reg.signing || []).map((l) => l.token) };
    live.set(d.id, entry);
    remember(d);
    applyView(entry, d);
    follow(entry);
  }

  function signerCard(d, link) {
    const key = link.signer.mspId + "/" + link.signer.id;
    const qr = el("div", { class: "qr-box" }, t("app.loadingQR"));
    const code = el("strong", { text: link.matchCode });
    const status = el("div", { class: "status", "aria-live": "polite" }, badge("PENDING"));
    const linkLine = el("div", { class: "code-line" }, el("a", { href: link.url, rel: "noreferrer", target: "_blank", text: t("app.signingLink") }));
    const card = el("section", { class: "signer-card", "aria-label": t("app.signerLabel", { id: link.signer.id }), dataset: { signer: key, url: link.url, status: "PENDING" } },
      el("div", { class: "who", text: link.signer.id }),
      el("div", { class: "org", text: t("app.orgOrder", { msp: link.signer.mspId, n: link.signer.routingOrder }) }),
      qr,
      el("div", { class: "code-line" }, ...nodes("app.matchCode", { code })),
      status,
      linkLine);
    card._parts = { qr, code, status, link, linkLine };
    loadQR(card, d.id);
    return card;
  }

  // loadQR fetches the signer's QR with the API key (an <img src> cannot send
  // it) and shows it from a blob: URL. The session behind it is stable within
  // the relay's session epoch; it is fetched again before it runs out.
  async function loadQR(card, docID) {
    const p = card._parts;
    if (card.dataset.status !== "PENDING") return;
    try {
      const res = await api(p.link.qrUrl + "&size=384");
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const img = el("img", { src: url, alt: t("app.qrAlt", { signer: p.link.signer.id, doc: docID }), width: 192, height: 192 });
      img.addEventListener("load", () => URL.revokeObjectURL(url), { once: true });
      if (card.dataset.status !== "PENDING") return;
      p.qr.replaceChildren(img);
      const mc = res.headers.get("X-Match-Code");
      if (mc) p.code.textContent = mc;
      const left = new Date(p.link.expiresAt) - Date.now();
      if (left > 0) setTimeout(() => loadQR(card, docID), Math.max(60e3, Math.min(left / 2, 2 ** 31 - 1)));
    } catch (err) {
      if (card.dataset.status === "PENDING") p.qr.replaceChildren(el("span", { class: "error-text", text: describe(err) }));
    }
  }

  // applyView shows a document view: its status and each signer's.
  function applyView(entry, v) {
    entry.view = v;
    const st = v.effectiveStatus || v.status;
    entry.card.dataset.status = st;
    entry.statusBox.replaceChildren(badge(st));
    for (const s of v.signers || []) {
      const sc = entry.card.querySelector('[data-signer="' + CSS.escape(s.mspId + "/" + s.id) + '"]');
      if (!sc) continue;
      setSigner(sc, s.status, s.at, st);
    }
    QR.downloads(entry.downloads, v);
    remember(v);
  }

  function setSigner(sc, status, at, docStatus) {
    const p = sc._parts;
    if (sc.dataset.status === status && status !== "PENDING") return;
    sc.dataset.status = status;
    const when = at ? " " + QR.fmtLocal(at) : "";
    if (status !== "PENDING" || (docStatus && docStatus !== "PENDING")) p.linkLine.hidden = true; // the session is spent
    if (status === "SIGNED") {
      p.qr.className = "qr-box done";
      p.qr.replaceChildren("✓ " + t("status.SIGNED"));
      p.status.replaceChildren(badge("SIGNED"), el("div", { class: "code-line", text: when.trim() }));
    } else if (status === "DECLINED") {
      p.qr.className = "qr-box declined";
      p.qr.replaceChildren(t("status.DECLINED"));
      p.status.replaceChildren(badge("DECLINED"), el("div", { class: "code-line", text: when.trim() }));
    } else if (docStatus && docStatus !== "PENDING") {
      p.qr.className = "qr-box";
      p.qr.replaceChildren(t("app.closed", { status: t("status." + docStatus) }));
    }
  }

  // follow listens to the document's committed events. EventSource cannot
  // send the API key, so it uses a signer's session token (?token=), which
  // the relay accepts for reading that document; if the stream ends for
  // good, the page polls the document with the key instead.
  function follow(entry) {
    const id = entry.view.id;
    const tok = entry.tokens[0];
    if (!tok || typeof EventSource === "undefined") { poll(entry); return; }
    const es = new EventSource("/v1/documents/" + encodeURIComponent(id) + "/events?token=" + encodeURIComponent(tok));
    entry.source = es;
    const onEvent = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      const ev = msg.event || {};
      const sig = ev.signature;
      if (sig && (ev.type === "SignatureRecorded" || ev.type === "SignatureDeclined")) {
        const sc = entry.card.querySelector('[data-signer="' + CSS.escape(sig.signer.mspId + "/" + sig.signer.id) + '"]');
        if (sc) setSigner(sc, ev.type === "SignatureRecorded" ? "SIGNED" : "DECLINED", ev.timestamp);
      }
      if (ev.type !== "DocumentRegistered") refresh(entry);
    };
    ["DocumentRegistered", "SignatureRecorded", "SignatureDeclined", "DocumentCompleted", "DocumentVoided", "Annotated"]
      .forEach((t) => es.addEventListener(t, onEvent));
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) { entry.source = null; poll(entry); }
    });
  }

  async function refresh(entry) {
    try {
      const v = await apiJSON("/v1/documents/" + encodeURIComponent(entry.view.id));
      applyView(entry, v);
      const st = v.effectiveStatus || v.status;
      if (st !== "PENDING" && entry.source) { entry.source.close(); entry.source = null; }
      return st;
    } catch (e) { return "PENDING"; }
  }

  async function poll(entry) {
    if (entry.poll) return;
    entry.poll = true;
    while ((await refresh(entry)) === "PENDING") await QR.sleep(15000);
  }

  // ---- records of this tab ----
  function loadDocs() { try { return JSON.parse(sessionStorage.getItem(DOCS) || "[]"); } catch (e) { return []; } }
  function remember(v) {
    const docs = loadDocs().filter((d) => d.id !== v.id);
    const signed = (v.signers || []).filter((s) => s.status === "SIGNED").length;
    docs.unshift({ id: v.id, title: v.title, createdAt: v.createdAt, priority: v.priority,
      status: v.effectiveStatus || v.status, signed, total: (v.signers || []).length });
    sessionStorage.setItem(DOCS, JSON.stringify(docs.slice(0, 200)));
    renderRecords();
  }
  function renderRecords() {
    const q = $("rec-q").value.trim().toLowerCase();
    const st = $("rec-status").value;
    const all = loadDocs();
    const rows = all.filter((d) => (!q || d.title.toLowerCase().includes(q) || d.id.toLowerCase().includes(q)) && (!st || d.status === st));
    $("records-body").replaceChildren(...rows.map((d) => el("tr", {},
      el("td", {}, el("a", { href: "/verify?doc=" + encodeURIComponent(d.id), text: QR.showText(d.title) })),
      el("td", {}, el("code", { text: d.id })),
      el("td", { text: QR.fmtLocal(d.createdAt) }),
      el("td", { text: String(d.priority) }),
      el("td", {}, badge(d.status)),
      el("td", { text: t("app.nOfM", { n: d.signed, m: d.total }) }))));
    $("records-empty").hidden = rows.length > 0;
    $("records-empty").textContent = t(all.length ? "app.noFilterMatch" : "app.noneYet");
  }
  $("rec-q").addEventListener("input", renderRecords);
  $("rec-status").addEventListener("change", renderRecords);
  $("records-filter").addEventListener("submit", (e) => e.preventDefault());
  $("rec-refresh").addEventListener("click", async () => {
    for (const d of loadDocs()) {
      try { remember(await apiJSON("/v1/documents/" + encodeURIComponent(d.id))); } catch (e) { /* keep the last known state */ }
    }
  });

  // ---- my records: sign in with QR ----
  // The session token lives in this variable only (not in storage): a reload
  // signs out. Requests carry it instead of the API key.
  let session = null;
  let attempt = 0; // the current sign-in attempt; older poll loops stop
  function loginStatus(msg, error) {
    const s = $("login-status");
    s.textContent = msg;
    s.classList.toggle("error", !!error);
  }
  function sessionFetch(path, opts) {
    return api(path, Object.assign({ noKey: true, headers: { Authorization: "Bearer " + session.token } }, opts || {}));
  }
  function showLoggedOut(msg, error) {
    session = null;
    attempt++;
    $("login-box").hidden = true;
    $("my-records").hidden = true;
    $("login-start-box").hidden = false;
    $("login-qr-box").replaceChildren();
    loginStatus(msg || "", error);
  }
  $("login-start").addEventListener("click", async () => {
    const mine = ++attempt;
    loginStatus(t("app.askingCode"));
    let ch;
    try {
      ch = await apiJSON("/v1/login/challenges", { method: "POST", noKey: true });
    } catch (err) { loginStatus(describe(err), true); return; }
    if (mine !== attempt) return;
    const img = el("img", { id: "login-qr", src: ch.qrUrl + "?size=384", width: 192, height: 192,
      alt: t("app.loginAlt", { code: ch.matchCode }), dataset: { url: ch.url } });
    $("login-qr-box").replaceChildren(img);
    $("login-code").textContent = ch.matchCode;
    $("login-expiry").textContent = t("app.loginExpiry", { time: QR.fmtLocal(ch.expiresAt) });
    $("login-start-box").hidden = true;
    $("login-box").hidden = false;
    loginStatus(t("app.waitScan"));
    while (mine === attempt) {
      await QR.sleep(1500);
      if (mine !== attempt) return;
      let r;
      try {
        r = await apiJSON("/v1/login/challenges/" + encodeURIComponent(ch.challengeId), { noKey: true, headers: { Authorization: "Bearer " + ch.pollToken } });
      } catch (err) {
        if (mine !== attempt) return;
        if (err.status === 410 || err.status === 404) { showLoggedOut(t("app.codeExpired"), true); return; }
        loginStatus(t("app.stillWaiting", { err: describe(err) }), true);
        continue;
      }
      if (r.status === "approved" && r.session) {
        session = r.session;
        $("login-box").hidden = true;
        $("login-qr-box").replaceChildren();
        $("my-who").textContent = session.signer.id + " (" + session.signer.mspId + ")";
        $("my-until").textContent = t("app.sessionUntil", { time: QR.fmtLocal(session.expiresAt) });
        $("my-records").hidden = false;
        loginStatus(t("app.signedInAsId", { id: session.signer.id }));
        loadMine();
        return;
      }
    }
  });
  $("login-cancel").addEventListener("click", () => { showLoggedOut(t("app.cancelled")); $("login-start").focus(); });

  function minePath(format) {
    const s = session.signer;
    return "/v1/signers/" + encodeURIComponent(s.mspId) + "/" + encodeURIComponent(s.id) + "/" + $("my-view").value +
      "?limit=100" + (format ? "&format=" + format + "&lang=" + encodeURIComponent(QRI18N.lang) : "");
  }
  function sessionEnded(err) {
    if (err && err.status === 401) { showLoggedOut(t("app.sessionEnded"), true); return true; }
    return false;
  }
  async function loadMine() {
    if (!session) return;
    try {
      const page = await (await sessionFetch(minePath())).json();
      const who = session.signer;
      const rows = (page.records || []).map((d) => {
        const me = (d.signers || []).find((s) => s.mspId === who.mspId && s.id === who.id);
        return el("tr", { dataset: { doc: d.id } },
          el("td", {}, el("a", { href: "/verify?doc=" + encodeURIComponent(d.id), text: QR.showText(d.title) })),
          el("td", {}, el("code", { text: d.id })),
          el("td", { text: QR.fmtLocal(d.createdAt) }),
          el("td", {}, badge(d.effectiveStatus || d.status)),
          el("td", {}, badge(me ? me.status : "UNKNOWN")));
      });
      $("my-records-body").replaceChildren(...rows);
      $("my-empty").hidden = rows.length > 0;
    } catch (err) {
      if (!sessionEnded(err)) loginStatus(describe(err), true);
    }
  }
  $("my-view").addEventListener("change", loadMine);
  $("my-filter").addEventListener("submit", (e) => e.preventDefault());
  $("my-csv").addEventListener("click", async () => {
    try {
      const blob = await (await sessionFetch(minePath("csv"))).blob();
      const a = el("a", { href: URL.createObjectURL(blob), download: "my-records.csv" });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10e3);
    } catch (err) {
      if (!sessionEnded(err)) loginStatus(describe(err), true);
    }
  });
  $("login-signout").addEventListener("click", async () => {
    try { await sessionFetch("/v1/login/logout", { method: "POST" }); } catch (e) { /* ended already */ }
    showLoggedOut(t("app.signedOut"));
    $("login-start").focus();
  });

  showKeyState();
  addSigner(false);
  renderRecords();
})();
