// Phone login page (/l/<token>, the URL a login QR carries): show which relay
// and match code the desktop asks to sign in to, sign the login challenge
// with this browser's enrolled key, post it to /v1/callbacks/login. The
// desktop then receives a session scoped to this signer's records.
"use strict";
(function () {
  const { el, apiJSON, describe } = window.QR;
  const t = QRI18N.t;
  const $ = (id) => document.getElementById(id);
  const token = decodeURIComponent(location.pathname.replace(/^\/l\//, ""));
  const enc = new TextEncoder();

  function check(state, title, detail) {
    const c = $("check");
    c.dataset.state = state;
    c.replaceChildren(el("span", { class: "big", text: title }));
    if (detail) c.append(el("p", { text: detail }));
  }

  const errors = {
    401: ["login.e401", "login.e401d"],
    409: ["login.e409", "login.reload"],
    410: ["login.e410", "login.reload"],
    404: ["login.e404", "login.reload"],
  };

  // digest is relay/login's binding of the relay URL and challenge id.
  async function digest(relayUrl, challengeId) {
    return QR.sha256Hex(enc.encode("qrsign-login/1\n" + relayUrl + "\n" + challengeId).buffer);
  }

  async function main() {
    let c;
    try {
      c = await apiJSON("/v1/login/" + encodeURIComponent(token), { noKey: true });
    } catch (err) {
      const m = errors[err.status] || ["login.eLoad", ""];
      check("error", t(m[0]), (m[1] ? t(m[1]) + " " : "") + "(" + describe(err) + ")");
      return;
    }
    $("match-code").textContent = c.matchCode;
    $("relay-url").textContent = c.relayUrl;
    $("expires").textContent = QR.fmtLocal(c.expiresAt);
    if (c.requester) { // where the sign-in was asked for: a phishing page can show a genuine QR, not hide this
      $("expires").parentNode.append(el("dt", { text: t("login.from") }),
        el("dd", { id: "requester-ip", text: c.requester.ip + " · " + QR.fmtLocal(c.requester.createdAt) }),
        el("dt", { text: t("login.browser") }), el("dd", { id: "requester-ua", class: "break", text: QR.showText(c.requester.userAgent) || t("login.unknown") }));
    }
    $("details").hidden = false;
    const own = (QR.meta("public-url") || location.origin).replace(/\/+$/, "");
    if (c.relayUrl.replace(/\/+$/, "") !== own || (await digest(c.relayUrl, c.challengeId)) !== c.sha256) {
      check("mismatch", t("login.notThis"), t("login.notThisd", { named: c.relayUrl, own }));
      return;
    }
    if (!QRKeys.supported()) {
      check("error", t("login.insecure"), t("login.insecured"));
      return;
    }
    check("info", t("login.checkCode"), t("login.checkCoded"));
    $("login-section").hidden = false;

    let recs = [];
    try { recs = await QRKeys.list(); } catch (e) { recs = []; }
    let rec = null;
    const ready = (r) => {
      rec = r;
      $("setup").replaceChildren();
      QRSetup.unlockControls($("unlock"), rec, () => location.reload());
      $("login-btn").disabled = false;
    };
    if (recs.length === 0) {
      await QRSetup.render($("setup"), { onDone: ready });
    } else {
      if (recs.length > 1) {
        const sel = $("identity");
        sel.replaceChildren(...recs.map((r, i) => el("option", { value: String(i), text: t("nameOf", { name: r.enrollmentId, of: r.mspId }) })));
        sel.addEventListener("change", () => ready(recs[Number(sel.value)]));
        $("identity-field").hidden = false;
      }
      ready(recs[0]);
    }

    let busy = false;
    $("cancel-btn").addEventListener("click", () => {
      $("login-section").hidden = true;
      check("closed", t("login.notSigned"), t("login.notSignedd"));
    });
    $("login-btn").addEventListener("click", async () => {
      if (busy || !rec) return;
      busy = true;
      $("login-btn").disabled = true;
      const st = $("login-status");
      try {
        const msg = QRPayload.build({ purpose: "login", channel: c.channel, documentId: c.challengeId, documentSha256: c.sha256,
          nonce: c.nonce, signerFingerprint: rec.fingerprint });
        QRSetup.status(st, "working", rec.mode === "webauthn" ? t("sign.confirmUV") : t("sign.unlocking"));
        const signature = await QRSetup.signWith(rec, msg);
        QRSetup.status(st, "working", t("login.sending"));
        const res = await apiJSON("/v1/callbacks/login", { method: "POST", noKey: true, headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token, certChainPem: rec.certChainPem, signature, algorithm: "ECDSA_P256_SHA256_RAW" }) });
        $("login-section").hidden = true;
        check("approved", t("login.done"), t("login.doned", { id: res.signer.id, msp: res.signer.mspId }));
        window.QRLogin = { result: res };
      } catch (e) {
        busy = false;
        $("login-btn").disabled = false;
        QRSetup.status(st, "error", e instanceof QR.ApiError ? describe(e) : (e.message || String(e)));
      }
    });
  }

  main();
})();
