// card.js: the card number, PKCS#8 PEM keys, and signatures identity accepts (checked here
// with node:crypto the way services/identity checks them: over the nonce's ASCII bytes;
// Ed25519, or ECDSA P-256 / SHA-256 with the raw r||s signature WebCrypto makes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import {
  ALGORITHMS, CardKeyError, formatFingerprint, normalizeCardNo, normalizeSignature, pkcs8Algorithm, readPem, readPublicKey,
  signNonce,
} from '../../deploy/gateway/static/app/card.js';
import { MESSAGES, describe } from '../../deploy/gateway/static/app/errors.js';

const NONCE = 'q3Jx0mN8b1V2c3RmZ2hpams'; // base64url, as identity sends it
const pkcs8 = (key) => key.export({ type: 'pkcs8', format: 'pem' });

async function refusal(promiseOrFn) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    assert.ok(err instanceof CardKeyError, `not a CardKeyError: ${err}`);
    return err.code;
  }
  assert.fail('no refusal');
}

test('card numbers: letters and digits, upper-cased, 1-32', () => {
  assert.equal(normalizeCardNo(' qd12-34 ab '), 'QD1234AB');
  assert.equal(normalizeCardNo(''), null);
  assert.equal(normalizeCardNo('卡123'), null);
  assert.equal(normalizeCardNo('A'.repeat(33)), null);
  assert.equal(normalizeCardNo('A'.repeat(32)), 'A'.repeat(32));
});

test('an Ed25519 key signs the nonce as identity verifies it', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { algorithm, signature } = await signNonce(pkcs8(privateKey), NONCE);
  assert.equal(algorithm, ALGORITHMS.ED25519);
  assert.ok(verify(null, Buffer.from(NONCE, 'ascii'), publicKey, Buffer.from(signature, 'base64')));
  assert.equal(normalizeSignature(signature), signature);
});

test('a P-256 key signs with SHA-256, raw r||s', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { algorithm, signature } = await signNonce(pkcs8(privateKey), NONCE);
  assert.equal(algorithm, ALGORITHMS.P256);
  const raw = Buffer.from(signature, 'base64');
  assert.equal(raw.length, 64);
  assert.ok(verify('sha256', Buffer.from(NONCE, 'ascii'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw));
});

test('other key files are refused with their own code, before any request', async () => {
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.equal(await refusal(signNonce('', NONCE)), 'card.key_format');
  assert.equal(await refusal(signNonce('hello', NONCE)), 'card.key_format');
  assert.equal(await refusal(signNonce(ed.publicKey.export({ type: 'spki', format: 'pem' }), NONCE)), 'card.key_public');
  assert.equal(await refusal(signNonce(pkcs8(rsa.privateKey), NONCE)), 'card.key_unsupported');
  assert.equal(await refusal(signNonce(pkcs8(k1.privateKey), NONCE)), 'card.key_unsupported');
  assert.equal(await refusal(signNonce(p256.privateKey.export({ type: 'sec1', format: 'pem' }), NONCE)), 'card.key_format');
  const encrypted = ed.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' });
  assert.equal(await refusal(signNonce(encrypted, NONCE)), 'card.key_encrypted');
  const broken = pkcs8(ed.privateKey).replace(/\n[A-Za-z0-9+/]{4}/, '\n!!!!');
  assert.equal(await refusal(signNonce(broken, NONCE)), 'card.key_format');
  const truncated = `-----BEGIN PRIVATE KEY-----\n${Buffer.from([0x30, 0x82, 0x01]).toString('base64')}\n-----END PRIVATE KEY-----`;
  assert.equal(await refusal(() => pkcs8Algorithm(readPem(truncated).der)), 'card.key_format');
  // No WebCrypto (a page over plain http from another machine): said so, key parsed first.
  assert.equal(await refusal(signNonce(pkcs8(ed.privateKey), NONCE, null)), 'card.webcrypto_unavailable');
  // A browser without Ed25519 in WebCrypto.
  const noEd = { importKey: async () => { throw Object.assign(new Error('no'), { name: 'NotSupportedError' }); } };
  assert.equal(await refusal(signNonce(pkcs8(ed.privateKey), NONCE, noEd)), 'card.algorithm_unavailable');
  const failing = { importKey: async () => ({}), sign: async () => { throw new Error('boom'); } };
  assert.equal(await refusal(signNonce(pkcs8(ed.privateKey), NONCE, failing)), 'card.sign_failed');
});

test('a pasted key with spaces and a PEM around other text still reads', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pasted = `这是测试卡的私钥：\r\n${pkcs8(privateKey).replace(/\n/g, '\r\n  ')}\n（完）`;
  const { signature } = await signNonce(pasted, NONCE);
  assert.ok(verify(null, Buffer.from(NONCE), publicKey, Buffer.from(signature, 'base64')));
});

test('pasted signatures: base64 or base64url, whitespace dropped', () => {
  const sig = Buffer.alloc(64, 7).toString('base64');
  assert.equal(normalizeSignature(` ${sig.slice(0, 40)}\n${sig.slice(40)} `), sig);
  assert.equal(normalizeSignature(Buffer.alloc(64, 250).toString('base64url')), Buffer.alloc(64, 250).toString('base64url'));
  assert.equal(normalizeSignature('abc'), null);
  assert.equal(normalizeSignature('签名'.repeat(40)), null);
});

test('every local card refusal has a Chinese message through describe()', () => {
  for (const code of ['card.key_format', 'card.key_encrypted', 'card.key_public', 'card.key_unsupported',
    'card.webcrypto_unavailable', 'card.algorithm_unavailable', 'card.sign_failed', 'card.no_challenge',
    'card.signature_format']) {
    const d = describe(new CardKeyError(code));
    assert.equal(d.code, code);
    assert.equal(d.message, MESSAGES[code]);
    assert.match(d.message, /[\u4e00-\u9fff]/);
    assert.equal(d.requestId, null);
  }
});

test('binding: a public key (SPKI PEM) is read with its algorithm; anything else is refused here', async () => {
  const spki = (key) => key.export({ type: 'spki', format: 'pem' });
  const ed = generateKeyPairSync('ed25519');
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.deepEqual(readPublicKey(`  some text before\n${spki(ed.publicKey)}\n`), { algorithm: ALGORITHMS.ED25519, pem: spki(ed.publicKey) });
  assert.deepEqual(readPublicKey(spki(p256.publicKey).replace(/\n/g, '\r\n')), { algorithm: ALGORITHMS.P256, pem: spki(p256.publicKey) });
  const code = (text) => refusal(() => readPublicKey(text));
  assert.equal(await code(''), 'card.public_key_format');
  assert.equal(await code('-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----'), 'card.public_key_format');
  assert.equal(await code('-----BEGIN PUBLIC KEY-----\nMAMCAQA=\n-----END PUBLIC KEY-----'), 'card.public_key_format');
  assert.equal(await code(pkcs8(ed.privateKey)), 'card.public_key_private');
  assert.equal(await code(p256.privateKey.export({ type: 'sec1', format: 'pem' })), 'card.public_key_private');
  assert.equal(await code('-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----'), 'card.public_key_certificate');
  assert.equal(await code(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'pkcs1', format: 'pem' })), 'card.public_key_format');
  assert.equal(await code(spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)), 'card.public_key_unsupported');
  assert.equal(await code(spki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)), 'card.public_key_unsupported');
  for (const c of ['card.public_key_format', 'card.public_key_private', 'card.public_key_certificate', 'card.public_key_unsupported']) {
    assert.equal(describe(new CardKeyError(c)).message, MESSAGES[c]);
  }
  assert.equal(formatFingerprint('ab01cd02ef'), 'AB01 CD02 EF');
});
