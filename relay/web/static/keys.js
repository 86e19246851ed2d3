// Signing identities held by this browser: a P-256 key made by WebCrypto,
// the certificate chain the org's Fabric CA issued for it (through the
// relay's POST /v1/enroll), and how the user unlocks it.
//
// Two modes (see relay/web/README.md for what each protects against):
//   "webauthn":   the ECDSA key is stored as a non-extractable CryptoKey; the
//                 page requires a user-verified WebAuthn assertion from a
//                 platform authenticator (fingerprint, face, device PIN)
//                 before every signature.
//   "passphrase": the ECDSA key is stored only wrapped (AES-GCM under a key
//                 derived with PBKDF2-SHA256, 600 000 iterations, random
//                 salt); each signature unwraps it as a non-extractable key
//                 that lives only for that signature.
// Records live in IndexedDB "qrsign", store "identities", keyed "mspId/id".
"use strict";
(function () {
  const DB = "qrsign", STORE = "identities";
  const PBKDF2_ITERATIONS = 600000;
  const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
  const enc = new TextEncoder();

  class KeyError extends Error {
    constructor(code, message) { super(message); this.code = code; }
  }

  function open() {
    return new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: "key" });
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  async function tx(mode, fn) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const t = db.transaction(STORE, mode);
        const req = fn(t.objectStore(STORE));
        t.oncomplete = () => resolve(req && req.result);
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error || new Error(QRI18N.t("key.dbAborted")));
      });
    } finally { db.close(); }
  }
  const get = (mspId, id) => tx("readonly", (s) => s.get(mspId + "/" + id));
  const list = () => tx("readonly", (s) => s.getAll());
  const put = (rec) => tx("readwrite", (s) => s.put(rec));
  const remove = (key) => tx("readwrite", (s) => s.delete(key));

  // supported: WebCrypto needs a secure context (https or localhost).
  const supported = () => !!(window.isSecureContext && window.crypto && crypto.subtle && window.indexedDB);

  // uvAvailable: a user-verifying platform authenticator can gate the key.
  async function uvAvailable() {
    try {
      return !!(window.PublicKeyCredential && PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable &&
        await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable());
    } catch (e) { return false; }
  }

  const rand = (n) => crypto.getRandomValues(new Uint8Array(n));

  async function passphraseKey(passphrase, salt, iterations) {
    const base = await crypto.subtle.importKey("raw", enc.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
    return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base,
      { name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
  }
  // aad binds a wrapped key to its identity: a wrapped blob copied onto another record does not unwrap.
  const aad = (mspId, id) => enc.encode("qrsign-key/1\n" + mspId + "\n" + id);

  // create makes the key pair for a new identity. In passphrase mode the
  // private key must be extractable once, to be wrapped; it is dropped after.
  async function create(mode) {
    return crypto.subtle.generateKey(ECDSA, mode === "passphrase", ["sign", "verify"]);
  }

  // webauthnRegister creates the platform credential that gates signing.
  async function webauthnRegister(enrollmentId) {
    const cred = await navigator.credentials.create({ publicKey: {
      rp: { name: "qrsign" },
      user: { id: rand(16), name: enrollmentId, displayName: enrollmentId },
      challenge: rand(32),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
      authenticatorSelection: { authenticatorAttachment: "platform", userVerification: "required", residentKey: "discouraged" },
      attestation: "none", timeout: 120000,
    } });
    if (!cred) throw new KeyError("UV_FAILED", QRI18N.t("key.noCred"));
    return new Uint8Array(cred.rawId);
  }

  // save stores an enrolled identity. mode "passphrase" wraps the key first.
  async function save(keyPair, rec, passphrase) {
    rec.key = rec.mspId + "/" + rec.enrollmentId;
    rec.createdAt = new Date().toISOString();
    rec.publicKey = keyPair.publicKey;
    if (rec.mode === "passphrase") {
      const salt = rand(16), iv = rand(12);
      const wk = await passphraseKey(passphrase, salt, PBKDF2_ITERATIONS);
      const wrapped = await crypto.subtle.wrapKey("pkcs8", keyPair.privateKey, wk,
        { name: "AES-GCM", iv, additionalData: aad(rec.mspId, rec.enrollmentId) });
      rec.wrapped = { kdf: "PBKDF2-SHA256", iterations: PBKDF2_ITERATIONS, salt, iv, cipher: "AES-256-GCM", data: new Uint8Array(wrapped) };
    } else {
      rec.privateKey = keyPair.privateKey; // non-extractable
    }
    await put(rec);
    return rec;
  }

  // unlock returns the non-extractable signing key of rec after user
  // verification: a WebAuthn assertion over challenge (with the UV flag set),
  // or the passphrase.
  async function unlock(rec, opts) {
    if (rec.mode === "webauthn") {
      let a;
      try {
        a = await navigator.credentials.get({ publicKey: {
          challenge: opts.challenge, allowCredentials: [{ type: "public-key", id: rec.credentialId }],
          userVerification: "required", timeout: 120000,
        } });
      } catch (e) {
        throw new KeyError("UV_FAILED", QRI18N.t("key.uvFailed", { name: e.name }));
      }
      const flags = a && new Uint8Array(a.response.authenticatorData)[32];
      if (!a || !(flags & 0x01) || !(flags & 0x04)) throw new KeyError("UV_FAILED", QRI18N.t("key.uvNot"));
      return rec.privateKey;
    }
    if (!opts.passphrase) throw new KeyError("PASSPHRASE_REQUIRED", QRI18N.t("key.needPass"));
    const w = rec.wrapped;
    const wk = await passphraseKey(opts.passphrase, w.salt, w.iterations);
    try {
      return await crypto.subtle.unwrapKey("pkcs8", w.data, wk, { name: "AES-GCM", iv: w.iv, additionalData: aad(rec.mspId, rec.enrollmentId) },
        ECDSA, false, ["sign"]);
    } catch (e) {
      throw new KeyError("WRONG_PASSPHRASE", QRI18N.t("key.wrongPass"));
    }
  }

  // sign returns the low-S raw r‖s ECDSA P-256 SHA-256 signature of msg.
  async function sign(key, msg) {
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, msg));
    return QRCsr.lowS(raw);
  }

  window.QRKeys = { supported, uvAvailable, create, webauthnRegister, save, unlock, sign, get, list, remove, KeyError, PBKDF2_ITERATIONS };
})();
