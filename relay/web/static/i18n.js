// The pages' words in English and simplified Chinese (msgs.en.js,
// msgs.zh-CN.js: the same keys, checked by relay/web's tests). The language
// is the one chosen with the switch (remembered in localStorage), else the
// browser's (navigator.languages, which follows Accept-Language), else
// English. Static text names its message in a data-i18n attribute (its
// text) or data-i18n-attr (attribute:message pairs, comma separated) and is
// translated as soon as this runs.
"use strict";
(function () {
  const STORE = "qrsign.lang";
  const cat = window.QR_MSGS || {};

  function norm(tag) {
    tag = String(tag || "").toLowerCase();
    if (tag === "zh" || tag.startsWith("zh-") || tag.startsWith("zh_")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
    return "";
  }

  function pick() {
    let stored = "";
    try { stored = norm(localStorage.getItem(STORE)); } catch (e) { /* storage off */ }
    if (stored) return stored;
    for (const l of navigator.languages || [navigator.language]) {
      const n = norm(l);
      if (n) return n;
    }
    return "en";
  }

  const lang = pick();

  // t is message key with {name} placeholders filled from vars.
  function t(key, vars) {
    let s = (cat[lang] && cat[lang][key]) ?? (cat.en && cat.en[key]) ?? key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  // nodes is message key split at its {name} placeholders, each filled
  // from vars with a string or a DOM node (a <code> id inside a sentence):
  // an array for el(...children) or append(...).
  function nodes(key, vars) {
    const msg = t(key);
    const out = [];
    let last = 0;
    msg.replace(/\{(\w+)\}/g, (m, k, at) => {
      if (!(k in vars)) return m;
      if (at > last) out.push(msg.slice(last, at));
      out.push(vars[k] instanceof Node ? vars[k] : String(vars[k]));
      last = at + m.length;
      return m;
    });
    if (last < msg.length) out.push(msg.slice(last));
    return out;
  }

  function apply(root) {
    for (const n of root.querySelectorAll("[data-i18n]")) n.textContent = t(n.dataset.i18n);
    for (const n of root.querySelectorAll("[data-i18n-attr]")) {
      for (const pair of n.dataset.i18nAttr.split(",")) {
        const [attr, key] = pair.split(":");
        n.setAttribute(attr.trim(), t(key.trim()));
      }
    }
  }

  // errorText is the sentence for a stable error code, or "".
  function errorText(code) {
    const k = "err." + code;
    return code && cat[lang] && cat[lang][k] ? cat[lang][k] : "";
  }

  const dateFmt = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium" });
  const utcFmt = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "long", timeZone: "UTC" });
  const numFmt = new Intl.NumberFormat(lang);
  function fmtDate(iso) {
    const d = new Date(iso);
    return isNaN(d) ? String(iso || "") : dateFmt.format(d);
  }
  // fmtUTC is a ledger time as the ledger keeps it, in UTC (named), in the page's language.
  function fmtUTC(iso) {
    const d = new Date(iso);
    return isNaN(d) ? String(iso || "") : utcFmt.format(d);
  }
  function fmtNumber(n) { return numFmt.format(n); }

  // The switch names the other language in that language, and reloads:
  // every string on the page, static or not, then comes out in it.
  function addSwitch() {
    const row = document.querySelector(".masthead-row");
    if (!row || document.getElementById("lang-switch")) return;
    const other = lang === "zh-CN" ? "en" : "zh-CN";
    const b = document.createElement("button");
    b.type = "button";
    b.id = "lang-switch";
    b.className = "link lang-switch";
    b.lang = other;
    b.textContent = other === "zh-CN" ? "中文" : "English";
    b.setAttribute("aria-label", t("lang.switch"));
    b.addEventListener("click", () => {
      try { localStorage.setItem(STORE, other); } catch (e) { /* storage off: this page only */ }
      location.reload();
    });
    row.append(b);
  }

  document.documentElement.lang = lang;
  apply(document);
  const titleKey = document.body && document.body.dataset.title;
  if (titleKey) document.title = t(titleKey) + " · qrsign";
  addSwitch();
  window.QRI18N = { lang, t, nodes, apply, errorText, fmtDate, fmtUTC, fmtNumber };
})();
