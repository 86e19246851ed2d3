// Desktop app, records search: the relay's list endpoints (by signer, owner
// or tag; relay/httpapi/records.go) with the ledger's filters (from/to,
// type, status), cursor paging ("More"), each document's signed files and
// exports (CSV, TXT, PDF), fetched with the API key and saved from a blob URL.
"use strict";
(function () {
  const { el, api, apiJSON, badge, describe } = window.QR;
  const { t } = window.QRI18N;
  const $ = (id) => document.getElementById(id);
  let current = null; // {path, params} of the search shown; "More" continues it
  let cursor = "";

  function status(msg, error) {
    const s = $("rs-status");
    s.replaceChildren(msg);
    s.classList.toggle("error", !!error);
  }

  // by shows the inputs the chosen list needs.
  function by() {
    const v = $("rs-by").value;
    $("rs-msp-field").hidden = v !== "signer" && v !== "pending";
    $("rs-who-label").textContent = t(v === "tag" ? "rec.tag" : v === "owner" ? "app.owner" : "app.colSigner");
  }
  $("rs-by").addEventListener("change", by);

  // query builds the list path and its filters from the form, or says what is wrong.
  function query() {
    const v = $("rs-by").value;
    const who = $("rs-who").value.trim();
    if (!QR.apiKey.get()) return { error: t("app.needKey"), focus: $("api-key") };
    if (!who) return { error: t(v === "tag" ? "rec.needTag" : v === "owner" ? "rec.needOwner" : "rec.needSigner"), focus: $("rs-who") };
    const enc = encodeURIComponent;
    let path;
    if (v === "signer" || v === "pending") {
      const msp = $("rs-msp").value.trim();
      if (!msp) return { error: t("rec.needMsp"), focus: $("rs-msp") };
      path = "/v1/signers/" + enc(msp) + "/" + enc(who) + (v === "pending" ? "/pending" : "/records");
    } else if (v === "owner") {
      path = "/v1/owners/" + enc(who) + "/records";
    } else {
      path = "/v1/tags/" + enc(who) + "/records";
    }
    const params = new URLSearchParams();
    for (const [id, name, bad] of [["rs-from", "from", "rec.badFrom"], ["rs-to", "to", "rec.badTo"]]) {
      const val = $(id).value;
      if (!val) continue;
      // Local days; the ledger's "to" is exclusive, so an inclusive last day
      // ends where the next one starts.
      const [y, m, dd] = val.split("-").map(Number);
      const d = new Date(y, m - 1, name === "to" ? dd + 1 : dd);
      if (!y || isNaN(d)) return { error: t(bad), focus: $(id) };
      params.set(name, d.toISOString().replace(/\.\d+Z$/, "Z"));
    }
    if (!$("rs-limit").checkValidity()) return { error: t("rec.badLimit"), focus: $("rs-limit") };
    if ($("rs-type").value) params.set("type", $("rs-type").value);
    if ($("rs-state").value) params.set("status", $("rs-state").value);
    return { path, params };
  }

  function row(d) {
    const signed = (d.signers || []).filter((s) => s.status === "SIGNED").length;
    const files = el("div", { class: "doc-downloads" });
    QR.downloads(files, d);
    return el("tr", { dataset: { doc: d.id } },
      el("td", {}, el("a", { href: "/verify?doc=" + encodeURIComponent(d.id), text: QR.showText(d.title) })),
      el("td", {}, el("code", { text: d.id })),
      el("td", { text: QR.docType(d.docType) }),
      el("td", { text: QR.showText(d.owner) }),
      el("td", { text: QR.fmtLocal(d.createdAt) }),
      el("td", {}, badge(d.effectiveStatus || d.status)),
      el("td", { text: t("app.nOfM", { n: signed, m: (d.signers || []).length }) }),
      el("td", {}, files));
  }

  async function load(more) {
    const params = new URLSearchParams(current.params);
    params.set("limit", $("rs-limit").value);
    if (more && cursor) params.set("cursor", cursor);
    $("rs-search").disabled = $("rs-more").disabled = true;
    status(t("verify.reading"));
    try {
      const page = await apiJSON(current.path + "?" + params);
      const rows = (page.records || []).map(row);
      if (more) $("rs-body").append(...rows);
      else $("rs-body").replaceChildren(...rows);
      cursor = page.nextCursor || "";
      const n = $("rs-body").rows.length;
      $("rs-more").hidden = !cursor;
      $("rs-results").hidden = false;
      $("rs-empty").hidden = n > 0;
      status(t(n === 1 && !cursor ? "rec.one" : cursor ? "rec.nMore" : "rec.n", { n: QRI18N.fmtNumber(n) }));
    } catch (err) {
      if (!more) { $("rs-results").hidden = true; cursor = ""; } // no rows of another query under this error
      status(describe(err), true);
    } finally {
      $("rs-search").disabled = $("rs-more").disabled = false;
    }
  }

  $("rs-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = query();
    if (q.error) { status(q.error, true); q.focus.focus(); return; }
    current = q;
    cursor = "";
    load(false);
  });
  $("rs-more").addEventListener("click", () => { if (current && cursor) load(true); });

  // Exports cover the whole search (the relay follows the cursor itself, up
  // to its export cap), not only the rows shown.
  async function exportAs(fmt) {
    const q = query();
    if (q.error) { status(q.error, true); q.focus.focus(); return; }
    const params = new URLSearchParams(q.params);
    params.set("format", fmt);
    params.set("lang", QRI18N.lang); // PDF and TXT words, and the CSV BOM for Chinese
    status(t("rec.preparing", { fmt: fmt.toUpperCase() }));
    try {
      const res = await api(q.path + "?" + params);
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const name = "records." + fmt;
      window.QRRecords.lastExport = { format: fmt, type: blob.type, size: blob.size, url, blob };
      const a = el("a", { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      status(el("span", {}, t("rec.saved", { name, size: QR.fmtSize(blob.size) }) + " ", el("a", { href: url, download: name, text: t("rec.again") })));
      setTimeout(() => URL.revokeObjectURL(url), 300e3);
    } catch (err) {
      status(describe(err), true);
    }
  }
  for (const fmt of ["csv", "txt", "pdf"]) $("rs-export-" + fmt).addEventListener("click", () => exportAs(fmt));

  $("rs-msp").value = QR.meta("msp");
  by();
  window.QRRecords = { lastExport: null };
})();
