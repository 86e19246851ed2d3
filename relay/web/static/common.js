// Shared helpers of the qrsign pages: relay API calls, SHA-256, DOM building.
// Classic script (no modules, no build step); everything hangs off window.QR.
"use strict";
(function () {
  const KEY = "qrsign.apiKey";

  function meta(name) {
    const m = document.querySelector('meta[name="qrsign-' + name + '"]');
    return m ? m.content : "";
  }

  // The API key lives in sessionStorage: it leaves with the tab.
  const apiKey = {
    get() { try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; } },
    set(v) { sessionStorage.setItem(KEY, v); },
    clear() { sessionStorage.removeItem(KEY); },
  };

  // ApiError carries the relay's RFC 9457 problem.
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || ("HTTP " + status));
      this.status = status;
      this.code = (problem && problem.code) || "";
      this.requestId = (problem && problem.requestId) || "";
      this.problem = problem || null; // the whole problem: BATCH_INVALID lists errors per document
    }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // api fetches a relay path. It sends the API key when one is set (unless
  // opts.noKey), retries 429/503 as told by Retry-After (a few times), and
  // throws ApiError on any other non-2xx answer. opts.onWait(seconds) hears
  // about retries. It returns the Response.
  async function api(path, opts) {
    opts = opts || {};
    const headers = new Headers(opts.headers || {});
    const key = apiKey.get();
    if (key && !opts.noKey) headers.set("Authorization", "Bearer " + key);
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(path, { method: opts.method || "GET", headers, body: opts.body, cache: "no-store", credentials: "same-origin" });
      if (res.ok) return res;
      if ((res.status === 429 || res.status === 503) && attempt < 5) {
        let wait = parseInt(res.headers.get("Retry-After") || "", 10);
        if (!(wait > 0 && wait < 30)) wait = 1 + attempt;
        if (opts.onWait) opts.onWait(wait);
        await sleep(wait * 1000);
        continue;
      }
      let problem = null;
      try { problem = await res.json(); } catch (e) { /* not JSON */ }
      throw new ApiError(res.status, problem);
    }
  }

  async function apiJSON(path, opts) {
    return (await api(path, opts)).json();
  }

  // sha256Hex hashes an ArrayBuffer. crypto.subtle exists only in secure
  // contexts (https, localhost); a phone opening http://<lan-ip>/s/... has
  // none, so a small pure-JS SHA-256 takes over there.
  async function sha256Hex(buf) {
    if (window.crypto && crypto.subtle && crypto.subtle.digest) {
      return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", buf)));
    }
    return sha256Fallback(new Uint8Array(buf));
  }

  function hex(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
    return s;
  }

  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256Fallback(data) {
    const len = data.length;
    const padded = new Uint8Array(((len + 9 + 63) >> 6) << 6);
    padded.set(data);
    padded[len] = 0x80;
    const dv = new DataView(padded.buffer);
    dv.setUint32(padded.length - 8, Math.floor(len / 0x20000000));
    dv.setUint32(padded.length - 4, (len << 3) >>> 0);
    const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]);
    return hex(out);
  }

  // el builds an element: el("td", {class: "x", text: "..."}, child...).
  // Text goes through textContent only: nothing from the relay is parsed as HTML.
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") n.textContent = v;
      else if (k === "class") n.className = v;
      else if (k === "dataset") Object.assign(n.dataset, v);
      else n.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) n.append(c);
    return n;
  }

  // fmtTime is a ledger time in UTC, with the zone named, in the page's language.
  function fmtTime(iso) { return iso ? QRI18N.fmtUTC(iso) : ""; }

  // fmtLocal is a time in the page's language and the reader's time zone.
  function fmtLocal(iso) { return QRI18N.fmtDate(iso); }

  // fmtSize is a byte count in the page's number format (units stay IEC symbols).
  function fmtSize(n) {
    if (!(n >= 0)) return "";
    const one = (x) => QRI18N.fmtNumber(Math.round(x * 10) / 10);
    if (n < 1024) return QRI18N.fmtNumber(n) + " B";
    if (n < 1 << 20) return one(n / 1024) + " KiB";
    return one(n / (1 << 20)) + " MiB";
  }

  // showText is how a page shows untrusted text (titles, ids, reasons, user
  // agents from the relay or the ledger), as chaincode/text.Escape does:
  // controls, line separators and invisible formatting characters (bidi
  // overrides and isolates, zero-width, BOM, tags) are written visibly
  // (\n, \u202e), so no text can reorder or hide what stands around it.
  function showText(s) {
    return String(s == null ? "" : s).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, (c) => {
      const named = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }[c];
      if (named) return named;
      const cp = c.codePointAt(0);
      return cp > 0xffff ? "\\U" + cp.toString(16).padStart(8, "0") : "\\u" + cp.toString(16).padStart(4, "0");
    });
  }

  // docType names a document type in words: the form's types from the
  // catalogues (app.<type>), any other as the ledger has it, shown safely.
  const DOC_TYPES = ["contract", "agreement", "invoice", "hr", "consent", "other"];
  function docType(t) { return DOC_TYPES.includes(t) ? QRI18N.t("app." + t) : showText(t); }

  function short(s, n) { n = n || 12; return s && s.length > n ? s.slice(0, n) + "…" : (s || ""); }

  function badge(status) {
    const s = String(status || "UNKNOWN").toUpperCase();
    return el("span", { class: "badge " + s, text: QRI18N.t("status." + s) });
  }

  // describe turns an error into a sentence for a status line, then the
  // stable code itself, which stays as it is. The relay's detail is English
  // and more specific: English pages show it; other languages show the
  // code's sentence from the catalogue (the detail where the code has none).
  function describe(err) {
    if (err instanceof ApiError) return problemText(err.code, err.problem && err.problem.detail, err.message);
    return QRI18N.t("net.unreachable", { detail: err && err.message ? err.message : String(err) });
  }

  // problemText is the sentence for one coded problem (a whole answer's, or
  // one document's in a batch), as describe says, then its code.
  function problemText(code, detail, fallback) {
    const coded = QRI18N.errorText(code);
    const m = showText((QRI18N.lang === "en" ? detail || coded : coded || detail) || fallback || ""); // a detail may quote anyone's input
    return code ? m + " (" + showText(code) + ")" : m;
  }

  const foot = document.getElementById("footer-ledger");
  if (foot) foot.textContent = QRI18N.t("footer.ledger", { channel: foot.dataset.channel || QRI18N.t("footer.unnamed") });

  // dropzone wires drag-and-drop onto a file input's label.
  function dropzone(zone, input, onFiles) {
    ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, () => zone.classList.remove("over")));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        onFiles(input.files);
      }
    });
    input.addEventListener("change", () => onFiles(input.files));
    // The input is visually hidden: show its keyboard focus on the zone.
    input.addEventListener("focus", () => zone.classList.add("focus"));
    input.addEventListener("blur", () => zone.classList.remove("focus"));
  }

  // downloads fills box with buttons for what a document's signatures made
  // (desktop: the records of this tab and the search results): the signed
  // PDF, latest and each revision, or each signer's .p7s. The files are
  // fetched with the API key when pressed; nothing is fetched before.
  function downloads(box, v) {
    const t = QRI18N.t;
    const id = encodeURIComponent(v.id);
    const items = [];
    if (v.revisions > 0) {
      items.push(["dl-pdf", t("app.signedPdf"), "/v1/documents/" + id + "/signed.pdf", v.id + "-signed.pdf"]);
      for (let n = 1; n <= v.revisions; n++) {
        items.push(["dl-pdf-" + n, t("app.revisionPdf", { n }), "/v1/documents/" + id + "/signed.pdf?revision=" + n, v.id + "-signed-" + n + ".pdf"]);
      }
    } else if (v.mediaType !== "application/pdf") {
      (v.signers || []).forEach((sg, i) => {
        if (sg.status === "SIGNED") items.push(["dl-p7s-" + (i + 1), t("app.p7s", { id: showText(sg.id) }),
          "/v1/documents/" + id + "/signatures/" + (i + 1) + ".p7s", v.id + "-" + (i + 1) + ".p7s"]);
      });
    }
    const key = items.map((x) => x[0]).join(",");
    if (box.dataset.shown === key) return;
    box.dataset.shown = key;
    box.replaceChildren(...items.map(([cls, text, path, name]) => {
      const b = el("button", { type: "button", class: "link " + cls, text });
      b.addEventListener("click", async () => {
        try {
          const blob = await (await api(path)).blob();
          window.QRApp = { lastSave: { name, blob } }; // what was saved, for whoever inspects the page
          const a = el("a", { href: URL.createObjectURL(blob), download: name, class: "saved " + cls });
          a.hidden = true;
          box.append(a); // kept: the saved bytes stay inspectable
          a.click();
        } catch (err) {
          b.replaceWith(el("span", { class: "error-text", text: describe(err) }));
        }
      });
      return b;
    }));
  }

  window.QR = { meta, apiKey, api, apiJSON, ApiError, sha256Hex, sha256Fallback, el, fmtTime, fmtLocal, fmtSize, short, showText, docType, badge, describe, problemText, dropzone, downloads, sleep };
})();
