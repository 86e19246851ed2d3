// "Set up this phone": enroll a browser-held key with the org's Fabric CA
// through the relay (POST /v1/enroll), and the unlock step before each
// signature. Shared by the signing page (/s/) and the login page (/l/).
"use strict";
(function () {
  const { el, api, describe } = window.QR;
  const t = QRI18N.t;

  function status(node, state, text) {
    node.dataset.state = state;
    node.className = "status-line" + (state === "error" ? " error" : "");
    node.textContent = text;
  }

  function field(id, label, attrs, help) {
    const input = el("input", Object.assign({ id, name: id, "aria-describedby": help ? id + "-help" : null }, attrs));
    return el("div", { class: "field" }, el("label", { for: id, text: label }), input,
      help ? el("p", { class: "help", id: id + "-help", text: help }) : null);
  }

  // render draws the set-up form into box; onDone(rec) runs after the
  // identity is enrolled and stored. opts.enrollmentId prefills the id.
  async function render(box, opts) {
    box.replaceChildren();
    if (!QRKeys.supported()) {
      box.append(el("p", { class: "notice", id: "setup-unsupported",
        text: t("setup.insecure") }));
      return;
    }
    const uv = await QRKeys.uvAvailable();
    const mode = uv ? "webauthn" : "passphrase";
    const form = el("form", { id: "setup-form", class: "card", novalidate: true, dataset: { mode } });
    form.append(
      el("h2", { id: "setup-h", text: t("setup.title") }),
      el("p", { class: "help", text: t("setup.help") }),
      field("enroll-id", t("setup.id"), { type: "text", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true, value: opts.enrollmentId || "" }),
      field("enroll-secret", t("setup.secret"), { type: "password", autocomplete: "one-time-code", required: true }),
    );
    if (mode === "webauthn") {
      form.append(el("p", { class: "help", id: "setup-mode", text: t("setup.uv") }));
    } else {
      form.append(
        el("p", { class: "help", id: "setup-mode", text: t("setup.pass") }),
        field("new-pass", t("setup.newPass"), { type: "password", autocomplete: "new-password", minlength: 8, required: true }, t("setup.newPassHelp")),
        field("new-pass2", t("setup.newPass2"), { type: "password", autocomplete: "new-password", required: true }),
      );
    }
    const btn = el("button", { type: "submit", id: "enroll-btn", text: t("setup.title") });
    const st = el("p", { id: "enroll-status", class: "status-line", role: "status", "aria-live": "polite" });
    form.append(el("div", { class: "actions" }, btn), st);
    box.append(form);

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const id = form.querySelector("#enroll-id").value.trim();
      const secret = form.querySelector("#enroll-secret").value;
      if (!id || !secret) { status(st, "error", t("setup.enterBoth")); return; }
      let pass = "";
      if (mode === "passphrase") {
        pass = form.querySelector("#new-pass").value;
        if (pass.length < 8) { status(st, "error", t("setup.short")); return; }
        if (pass !== form.querySelector("#new-pass2").value) { status(st, "error", t("setup.mismatch")); return; }
      }
      btn.disabled = true;
      const t0 = performance.now();
      try {
        status(st, "working", t("setup.making"));
        const kp = await QRKeys.create(mode);
        let credentialId = null;
        if (mode === "webauthn") {
          // Before the secret is spent: a cancelled check leaves it usable.
          status(st, "working", t("sign.confirmUV"));
          try {
            credentialId = await QRKeys.webauthnRegister(id);
          } catch (e) {
            throw new QRKeys.KeyError("UV_FAILED", t("setup.uvFailed", { name: e.name }));
          }
        }
        status(st, "working", t("setup.asking"));
        const csr = QRCsr.toPEM("CERTIFICATE REQUEST", await QRCsr.build(id, kp));
        const t1 = performance.now();
        const res = await (await api("/v1/enroll", { method: "POST", noKey: true, headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ enrollmentId: id, secret, csrPem: csr }) })).json();
        const t2 = performance.now();
        const leaf = QRCsr.pemBlocks(res.certChainPem, "CERTIFICATE")[0];
        if (!leaf) throw new Error(t("setup.noCert"));
        const rec = await QRKeys.save(kp, { enrollmentId: id, mspId: res.mspId, certChainPem: res.certChainPem, mode, credentialId,
          fingerprint: await QR.sha256Hex(leaf) }, pass);
        window.QRSetup.timings = { totalMs: Math.round(performance.now() - t0), enrollRequestMs: Math.round(t2 - t1) };
        form.querySelector("#enroll-secret").value = "";
        status(st, "done", t("setup.done", { id, msp: res.mspId }));
        opts.onDone(rec);
      } catch (e) {
        btn.disabled = false;
        status(st, "error", e instanceof QR.ApiError ? describe(e) : (e.message || String(e)));
      }
    });
  }

  // unlockControls draws what unlocking rec needs (a passphrase field, or a
  // note about the screen-lock check) into box, and a two-press "forget"
  // button (for a revoked or replaced certificate) that deletes the identity
  // and calls onForget.
  function unlockControls(box, rec, onForget) {
    const forget = el("button", { type: "button", id: "forget-btn", class: "link", text: t("setup.forget") });
    forget.addEventListener("click", async () => {
      if (forget.dataset.armed !== "1") {
        forget.dataset.armed = "1";
        forget.textContent = t("setup.forgetAgain");
        return;
      }
      await QRKeys.remove(rec.key);
      if (onForget) onForget();
    });
    box.replaceChildren(el("p", { class: "help", id: "signing-as",
      text: t("setup.signingAs", { id: rec.enrollmentId, msp: rec.mspId, fp: rec.fingerprint.slice(0, 16) }) }), forget);
    if (rec.mode === "passphrase") {
      box.append(field("passphrase", t("setup.passphrase"), { type: "password", autocomplete: "current-password" }, t("setup.passphraseHelp")));
    } else {
      box.append(el("p", { class: "help", text: t("setup.uvAsk") }));
    }
  }

  // unlockFor unlocks rec for the user action that signs msg (reading the
  // passphrase field when needed): the key, which signs what else that one
  // action signs (a PDF signature, a .p7s) without asking again.
  async function unlockFor(rec, msg) {
    const challenge = new Uint8Array(await crypto.subtle.digest("SHA-256", msg)); // the UV check names this payload
    const p = document.getElementById("passphrase");
    const key = await QRKeys.unlock(rec, { challenge, passphrase: p ? p.value : "" });
    if (p) p.value = "";
    return key;
  }

  // signWith unlocks rec and signs msg: the low-S raw r‖s signature, base64.
  async function signWith(rec, msg) {
    return QRCsr.b64(await QRKeys.sign(await unlockFor(rec, msg), msg));
  }

  window.QRSetup = { render, unlockControls, unlockFor, signWith, status, timings: null };
})();
