// Package login is sign-in with QR: the desktop asks for a challenge and shows
// its QR; a signer's device (qrsign login, the mobile page) signs the
// challenge with the signer's Fabric CA key; the desktop, polling with a
// secret only it holds, receives a short-lived session scoped to that
// signer's records.
//
// Challenges. A challenge has a random id, a random nonce, a six-digit match
// code and a short expiry (Options.ChallengeTTL, default 2 min). Its QR
// carries "<publicURL>/l/<token>", where the token is the challenge id,
// nonce and expiry under an HMAC tag (key derived from the relay's token
// key), so a forged or edited token is refused (401 TOKEN_INVALID) and an
// expired one is told apart (410 TOKEN_EXPIRED) without any lookup. A
// challenge is approved at most once (409 NONCE_REUSED after that, also for
// concurrent callbacks: the state changes under a lock after verification).
//
// What is signed. The scanner signs the canonical payload (chaincode/payload)
//
//	payload.Build(payload.Fields{Purpose: payload.PurposeLogin, Channel: channel,
//	    DocumentID: challengeId, DocumentSHA256: proof.Digest(relayUrl, challengeId),
//	    Nonce: nonce, SignerFingerprint: sha256hex(leaf DER)})
//
// (proof.Fields builds it) with proof.Digest = lowercase hex SHA-256 of the UTF-8
// bytes "qrsign-login/1\n" + relayUrl + "\n" + challengeId (no trailing
// newline), relayUrl being the relay's publicURL. It binds the relay the
// signer meant to sign in to: a signature made for one relay is useless at
// another. Scanners recompute it and refuse a challenge whose sha256 differs.
//
// Verification. The login proof is checked as the chaincode checks a
// signature (chaincode/contract: RecordSignature), at the relay's clock: the
// chain parses with chaincode/certchain, the leaf is an end-entity P-256 or
// Ed25519 signing key, every certificate is valid now, the chain verifies to
// a signer CA the org registered on the ledger (GetOrgTrust) and valid now,
// the signature verifies with chaincode/sigalg, and no link issued by a
// registered CA is on that CA's latest CRL published on the ledger. The
// certificate checks are the chaincode's own (chaincode/certchain), run over
// model.OrgTrust instead of world state. The signer is (mspId, CN).
//
// Sessions. A session token is "qls_" + 32 random bytes (base64url); the
// relay keeps only its SHA-256, the signer and the expiry
// (Options.SessionTTL, default 15 min), IN MEMORY: a relay restart signs
// everyone out, and replicas do not share sessions or challenges (route a
// desktop to one replica). The desktop's poll hands the session out once;
// logout ends it. Tokens, poll tokens and nonces are never logged.
package login
