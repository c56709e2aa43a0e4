// Card login helpers (pure, no DOM; tested in Node): the card number's shape, reading a
// PKCS#8 private key from PEM, and signing identity's challenge with WebCrypto.
//
// On a real e-port card the private key never leaves the card: a reader's driver signs the
// nonce. A web page cannot reach a card reader by itself, so the login screen offers two
// ways: sign here with a key file the user supplies (test cards, software certificates;
// the key stays in this browser tab and is never sent), or paste a signature made by the
// card reader's own tool over the nonce shown on the screen.
//
// What the server checks (services/identity): the signature over the ASCII bytes of the
// nonce, base64; Ed25519, or ECDSA P-256 with SHA-256 (raw r||s as WebCrypto makes it, or DER).

export const CARD_NO_RE = /^[0-9A-Z]{1,32}$/;
export const ALGORITHMS = Object.freeze({ ED25519: 'Ed25519', P256: 'ECDSA-P256' });

/** A local refusal with a code (errors.js has its Chinese message), shaped like an ApiError. */
export class CardKeyError extends Error {
  constructor(code, detail = '') {
    super(`${code}${detail ? `: ${detail}` : ''}`);
    this.name = 'CardKeyError';
    this.code = code;
    this.status = 0;
    this.problem = { status: 0, code, title: '', detail, errors: [], requestId: null };
  }
}

/** The card number as identity stores it (upper case, no spaces), or null when it is not one. */
export function normalizeCardNo(raw) {
  const s = String(raw ?? '').replace(/[\s-]/g, '').toUpperCase();
  return CARD_NO_RE.test(s) ? s : null;
}

function base64ToBytes(b64) {
  const clean = b64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(clean) || clean.length % 4 !== 0) throw new CardKeyError('card.key_format', 'not base64');
  return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
}

export function bytesToBase64(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

/** PEM text -> {label, der}. Only an unencrypted PKCS#8 "PRIVATE KEY" is accepted; the
 *  other key files people have get their own code (and message). */
export function readPem(text) {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(String(text ?? ''));
  if (!m) throw new CardKeyError('card.key_format', 'no PEM block');
  const label = m[1];
  if (label === 'ENCRYPTED PRIVATE KEY') throw new CardKeyError('card.key_encrypted');
  if (label === 'PUBLIC KEY' || label === 'CERTIFICATE') throw new CardKeyError('card.key_public');
  if (label !== 'PRIVATE KEY') throw new CardKeyError('card.key_format', `${label} is not PKCS#8`);
  return { label, der: base64ToBytes(m[2]) };
}

// ---- a little DER, just enough for PrivateKeyInfo's AlgorithmIdentifier ---------------
function tlv(bytes, at) {
  if (at + 2 > bytes.length) throw new CardKeyError('card.key_format', 'truncated');
  const tag = bytes[at];
  let len = bytes[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || start + n > bytes.length) throw new CardKeyError('card.key_format', 'bad length');
    len = 0;
    for (let i = 0; i < n; i += 1) len = (len << 8) | bytes[start + i];
    start += n;
  }
  const end = start + len;
  if (end > bytes.length) throw new CardKeyError('card.key_format', 'truncated');
  return { tag, start, end };
}

const OID = {
  ed25519: '2b6570',
  ecPublicKey: '2a8648ce3d0201',
  prime256v1: '2a8648ce3d030107',
};
const hex = (bytes, from, to) => [...bytes.subarray(from, to)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The algorithm of a PKCS#8 DER private key: 'Ed25519' or 'ECDSA-P256'; anything else
 *  (RSA, Ed448, other curves) is card.key_unsupported. */
export function pkcs8Algorithm(der) {
  const outer = tlv(der, 0);
  if (outer.tag !== 0x30) throw new CardKeyError('card.key_format', 'not a SEQUENCE');
  const version = tlv(der, outer.start);
  if (version.tag !== 0x02) throw new CardKeyError('card.key_format', 'no version');
  const alg = tlv(der, version.end);
  if (alg.tag !== 0x30) throw new CardKeyError('card.key_format', 'no AlgorithmIdentifier');
  const oid = tlv(der, alg.start);
  if (oid.tag !== 0x06) throw new CardKeyError('card.key_format', 'no OID');
  const id = hex(der, oid.start, oid.end);
  if (id === OID.ed25519) return ALGORITHMS.ED25519;
  if (id === OID.ecPublicKey && oid.end < alg.end) {
    const curve = tlv(der, oid.end);
    if (curve.tag === 0x06 && hex(der, curve.start, curve.end) === OID.prime256v1) return ALGORITHMS.P256;
  }
  throw new CardKeyError('card.key_unsupported', id);
}

/**
 * Sign identity's challenge nonce with a PKCS#8 PEM private key: the base64 signature
 * POST /api/v1/sessions/card wants. ``subtle`` is WebCrypto's (absent outside secure
 * contexts: pages served over plain http from anywhere but this machine).
 */
export async function signNonce(pem, nonce, subtle = globalThis.crypto?.subtle) {
  const { der } = readPem(pem);
  const algorithm = pkcs8Algorithm(der);
  if (!subtle) throw new CardKeyError('card.webcrypto_unavailable');
  const ed = algorithm === ALGORITHMS.ED25519;
  let key;
  try {
    key = await subtle.importKey('pkcs8', der, ed ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  } catch (err) {
    if (err?.name === 'NotSupportedError') throw new CardKeyError('card.algorithm_unavailable', algorithm);
    throw new CardKeyError('card.key_format', String(err?.message ?? err));
  }
  let signature;
  try {
    signature = await subtle.sign(ed ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' }, key,
      new TextEncoder().encode(String(nonce)));
  } catch (err) {
    throw new CardKeyError('card.sign_failed', String(err?.message ?? err));
  }
  return { algorithm, signature: bytesToBase64(signature) };
}

/** A pasted signature (base64 or base64url, spaces and line breaks allowed) or null. */
export function normalizeSignature(raw) {
  const s = String(raw ?? '').replace(/\s+/g, '');
  return /^[A-Za-z0-9+/_-]{40,1024}={0,2}$/.test(s) ? s : null;
}

/**
 * A card's public key for binding (POST /api/v1/me/cards): the PEM "PUBLIC KEY" block
 * (SubjectPublicKeyInfo) found in ``text`` -> {algorithm, pem}. A private key is refused
 * before anything is sent (it must never leave the user's hands), and so are certificates,
 * other PEM blocks and keys of other algorithms; each refusal has its own code.
 */
export function readPublicKey(text) {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(String(text ?? ''));
  if (!m) throw new CardKeyError('card.public_key_format', 'no PEM block');
  const label = m[1];
  if (/PRIVATE KEY$/.test(label)) throw new CardKeyError('card.public_key_private');
  if (label === 'CERTIFICATE') throw new CardKeyError('card.public_key_certificate');
  if (label !== 'PUBLIC KEY') throw new CardKeyError('card.public_key_format', `${label} is not SubjectPublicKeyInfo`);
  let der;
  try {
    der = base64ToBytes(m[2]);
  } catch {
    throw new CardKeyError('card.public_key_format', 'not base64');
  }
  let algorithm;
  try {
    const outer = tlv(der, 0);
    if (outer.tag !== 0x30) throw new CardKeyError('card.key_format', 'not a SEQUENCE');
    const alg = tlv(der, outer.start);
    if (alg.tag !== 0x30) throw new CardKeyError('card.key_format', 'no AlgorithmIdentifier');
    const oid = tlv(der, alg.start);
    if (oid.tag !== 0x06) throw new CardKeyError('card.key_format', 'no OID');
    const id = hex(der, oid.start, oid.end);
    if (id === OID.ed25519) algorithm = ALGORITHMS.ED25519;
    else if (id === OID.ecPublicKey && oid.end < alg.end) {
      const curve = tlv(der, oid.end);
      if (curve.tag === 0x06 && hex(der, curve.start, curve.end) === OID.prime256v1) algorithm = ALGORITHMS.P256;
    }
    const key = tlv(der, alg.end);
    if (key.tag !== 0x03 || key.end !== outer.end) throw new CardKeyError('card.key_format', 'no BIT STRING');
  } catch (err) {
    throw new CardKeyError('card.public_key_format', err?.problem?.detail ?? String(err?.message ?? err));
  }
  if (!algorithm) throw new CardKeyError('card.public_key_unsupported');
  const body = m[2].replace(/\s+/g, '').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return { algorithm, pem: `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n` };
}

/** A fingerprint (sha256 hex) as people compare it: upper case, in groups of four. */
export function formatFingerprint(hexText) {
  return String(hexText ?? '').toUpperCase().replace(/[^0-9A-F]/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}
