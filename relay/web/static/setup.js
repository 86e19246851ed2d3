// "Set up this phone": enroll a browser-held key with the org's Fabric CA
// through the relay (POST /v1/enroll), and the unlock step before each
// signature. Shared by the signing page (/s/) and the login page (/l/).
"use strict";
(function () {
  const { el, api, describe } = window.QR;

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
        text: "This browser cannot hold a signing key here: the page must be opened over https (or on this device's localhost). Use the qrsign app instead." }));
      return;
    }
    const uv = await QRKeys.uvAvailable();
    const mode = uv ? "webauthn" : "passphrase";
    const form = el("form", { id: "setup-form", class: "card", novalidate: true, dataset: { mode } });
    form.append(
      el("h2", { id: "setup-h", text: "Set up this phone" }),
      el("p", { class: "help", text: "Your organisation gave you an enrollment id and a one-time secret. A signing key is made in this browser and never leaves it; only a certificate request goes to your organisation's certificate authority." }),
      field("enroll-id", "Enrollment id", { type: "text", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true, value: opts.enrollmentId || "" }),
      field("enroll-secret", "One-time enrollment secret", { type: "password", autocomplete: "one-time-code", required: true }),
    );
    if (mode === "webauthn") {
      form.append(el("p", { class: "help", id: "setup-mode", text: "This phone can verify you (fingerprint, face or screen lock): it will ask before every signature." }));
    } else {
      form.append(
        el("p", { class: "help", id: "setup-mode", text: "This browser offers no screen-lock check, so a passphrase protects the key: it is stored only encrypted under it, and you type it for every signature. It cannot be recovered." }),
        field("new-pass", "New passphrase", { type: "password", autocomplete: "new-password", minlength: 8, required: true }, "At least 8 characters."),
        field("new-pass2", "Repeat the passphrase", { type: "password", autocomplete: "new-password", required: true }),
      );
    }
    const btn = el("button", { type: "submit", id: "enroll-btn", text: "Set up this phone" });
    const st = el("p", { id: "enroll-status", class: "status-line", role: "status", "aria-live": "polite" });
    form.append(el("div", { class: "actions" }, btn), st);
    box.append(form);

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const id = form.querySelector("#enroll-id").value.trim();
      const secret = form.querySelector("#enroll-secret").value;
      if (!id || !secret) { status(st, "error", "Enter the enrollment id and the one-time secret."); return; }
      let pass = "";
      if (mode === "passphrase") {
        pass = form.querySelector("#new-pass").value;
        if (pass.length < 8) { status(st, "error", "The passphrase must have at least 8 characters."); return; }
        if (pass !== form.querySelector("#new-pass2").value) { status(st, "error", "The two passphrases differ."); return; }
      }
      btn.disabled = true;
      const t0 = performance.now();
      try {
        status(st, "working", "Making the signing key…");
        const kp = await QRKeys.create(mode);
        let credentialId = null;
        if (mode === "webauthn") {
          // Before the secret is spent: a cancelled check leaves it usable.
          status(st, "working", "Confirm with your fingerprint, face or screen lock…");
          try {
            credentialId = await QRKeys.webauthnRegister(id);
          } catch (e) {
            throw new QRKeys.KeyError("UV_FAILED", "The screen-lock check was cancelled or failed (" + e.name + "); nothing was enrolled.");
          }
        }
        status(st, "working", "Asking your organisation's certificate authority…");
        const csr = QRCsr.toPEM("CERTIFICATE REQUEST", await QRCsr.build(id, kp));
        const t1 = performance.now();
        const res = await (await api("/v1/enroll", { method: "POST", noKey: true, headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ enrollmentId: id, secret, csrPem: csr }) })).json();
        const t2 = performance.now();
        const leaf = QRCsr.pemBlocks(res.certChainPem, "CERTIFICATE")[0];
        if (!leaf) throw new Error("the relay returned no certificate");
        const rec = await QRKeys.save(kp, { enrollmentId: id, mspId: res.mspId, certChainPem: res.certChainPem, mode, credentialId,
          fingerprint: await QR.sha256Hex(leaf) }, pass);
        window.QRSetup.timings = { totalMs: Math.round(performance.now() - t0), enrollRequestMs: Math.round(t2 - t1) };
        form.querySelector("#enroll-secret").value = "";
        status(st, "done", "This phone is set up as " + id + " (" + res.mspId + ").");
        opts.onDone(rec);
      } catch (e) {
        btn.disabled = false;
        status(st, "error", e instanceof QR.ApiError ? enrollMessage(e) : (e.message || String(e)));
      }
    });
  }

  function enrollMessage(e) {
    switch (e.code) {
      case "ENROLL_REFUSED": return "Your organisation's certificate authority refused this id and secret: they are wrong, or the secret was already used. Ask your administrator for a new one. (" + e.code + ")";
      case "RATE_LIMITED": return "Too many attempts: wait a minute and try again. (" + e.code + ")";
      default: return describe(e);
    }
  }

  // unlockControls draws what unlocking rec needs (a passphrase field, or a
  // note about the screen-lock check) into box, and a two-press "forget"
  // button (for a revoked or replaced certificate) that deletes the identity
  // and calls onForget.
  function unlockControls(box, rec, onForget) {
    const forget = el("button", { type: "button", id: "forget-btn", class: "link", text: "Forget this phone's key" });
    forget.addEventListener("click", async () => {
      if (forget.dataset.armed !== "1") {
        forget.dataset.armed = "1";
        forget.textContent = "Press again to delete the key from this phone";
        return;
      }
      await QRKeys.remove(rec.key);
      if (onForget) onForget();
    });
    box.replaceChildren(el("p", { class: "help", id: "signing-as",
      text: "Signing as " + rec.enrollmentId + " (" + rec.mspId + "), certificate " + rec.fingerprint.slice(0, 16) + "…" }), forget);
    if (rec.mode === "passphrase") {
      box.append(field("passphrase", "Passphrase", { type: "password", autocomplete: "current-password" }, "The passphrase you chose when setting up this phone."));
    } else {
      box.append(el("p", { class: "help", text: "You will be asked for your fingerprint, face or screen lock." }));
    }
  }

  // signWith unlocks rec (reading the passphrase field when needed) and
  // signs msg: the low-S raw r‖s signature, base64.
  async function signWith(rec, msg) {
    const challenge = new Uint8Array(await crypto.subtle.digest("SHA-256", msg)); // the UV check names this payload
    const p = document.getElementById("passphrase");
    const key = await QRKeys.unlock(rec, { challenge, passphrase: p ? p.value : "" });
    const sig = await QRKeys.sign(key, msg);
    if (p) p.value = "";
    return QRCsr.b64(sig);
  }

  window.QRSetup = { render, unlockControls, signWith, status, timings: null };
})();
