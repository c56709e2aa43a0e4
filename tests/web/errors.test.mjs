// Every error code of api.md (and of the gateway and services) has a Chinese message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MESSAGES, describe, describeText, fieldLabel, hasMessage, messageFor } from '../../deploy/gateway/static/app/errors.js';

// docs/api.md, the contract in prose, kept in the repository.
const API_MD = fileURLToPath(new URL('../../docs/api.md', import.meta.url));
const CODE_RE = /^[a-z_]+(\.[a-z_]+)+$|^validation_error$/;
const CJK = /[\u4e00-\u9fff]/;

export function codesOf(markdown) {
  const codes = new Set();
  for (const m of markdown.matchAll(/`([^`\n]+)`/g)) if (CODE_RE.test(m[1])) codes.add(m[1]);
  return [...codes].sort();
}

test('every error code quoted in api.md has a Chinese message', () => {
    const codes = codesOf(readFileSync(API_MD, 'utf8'));
    assert.ok(codes.length >= 25, `expected the contract's codes, found ${codes.length}: ${codes}`);
    const missing = codes.filter((c) => !hasMessage(c));
    assert.deepEqual(missing, [], `codes without a message: ${missing.join(', ')}`);
    for (const c of codes) assert.match(MESSAGES[c], CJK, c);
  });

test('the gateway, auth and generic codes have messages too', () => {
  for (const code of ['validation_error', 'rate_limited', 'request.too_large', 'gateway.upstream_unavailable',
    'internal_error', 'auth.invalid_token', 'auth.token_expired', 'not_found', 'auth.unauthorized', 'auth.forbidden',
    'bad_request', 'method_not_allowed', 'request.timeout', 'request.uri_too_long', 'gateway.error', 'network.error',
    'booking.not_found', 'booking.line_not_found']) {
    assert.ok(hasMessage(code), code);
    assert.match(MESSAGES[code], CJK, code);
  }
  for (const [code, text] of Object.entries(MESSAGES)) assert.match(text, CJK, code);
});

test('validation errors name each field in Chinese', () => {
  const d = describe({ status: 422, code: 'validation_error', requestId: 'req-1', errors: [
    { field: 'contact_phone', message: 'not a mobile phone number' },
    { field: 'enterprises[1].businesses[0].count', message: 'must be 1..99' },
    { field: 'mystery', message: 'is odd' },
  ] });
  assert.equal(d.code, 'validation_error');
  assert.equal(d.message, MESSAGES.validation_error);
  assert.equal(d.requestId, 'req-1');
  assert.deepEqual(d.fields.map((f) => f.field), ['contact_phone', 'enterprises[1].businesses[0].count', 'mystery']);
  assert.match(d.fields[0].message, /^联系电话：.*11 位手机号/);
  assert.match(d.fields[1].message, /^第2家企业 · 第1项业务 · 张数：/);
  assert.equal(d.fields[2].message, 'mystery填写有误（is odd）');
  assert.equal(fieldLabel('enterprises[0].org_code'), '第1家企业 · 组织机构代码');
  assert.match(describeText({ status: 422, code: 'validation_error', requestId: 'abc', errors: [{ field: 'phone' }] }),
    /提交的信息有误.*手机号.*请求编号：abc/);
});

test('unknown codes fall back on the status; extras are used', () => {
  assert.equal(messageFor({ status: 503, code: 'something.new' }), MESSAGES['gateway.upstream_unavailable']);
  assert.equal(messageFor({ status: 500 }), MESSAGES.internal_error);
  assert.equal(messageFor({ status: 418, code: 'teapot' }), '操作失败，请稍后再试。');
  assert.equal(messageFor({ status: 0, code: 'network.error' }), MESSAGES['network.error']);
  assert.match(messageFor({ status: 403, code: 'booking.suspended', suspended_until: '2027-05-01T00:00:00+08:00' }), /暂停至 2027年5月1日/);
  assert.match(messageFor({ status: 429, code: 'sms.rate_limited', retry_after: 42 }), /请 42 秒后再试/);
  assert.equal(describe(new TypeError('boom')).code, 'internal_error');
  // An ApiError-like object carries its problem.
  assert.equal(describe({ problem: { status: 409, code: 'booking.capacity_exhausted' } }).message, MESSAGES['booking.capacity_exhausted']);
});

test('every code the password-reset and card-login screens can meet has its own message', () => {
  // POST /sms-codes, /password-resets (services/identity/README.md), GET /card-challenges,
  // POST /sessions/card, the gateway's limit on those routes, and card.js's own refusals.
  for (const code of ['sms.rate_limited', 'sms.code_invalid', 'user.password_weak', 'validation_error', 'rate_limited',
    'auth.card_invalid', 'gateway.upstream_unavailable', 'network.error', 'card.key_format', 'card.key_encrypted',
    'card.key_public', 'card.key_unsupported', 'card.webcrypto_unavailable', 'card.algorithm_unavailable',
    'card.sign_failed', 'card.no_challenge', 'card.signature_format']) {
    assert.ok(hasMessage(code), code);
  }
  const weak = describe({ status: 422, code: 'validation_error', errors: [{ field: 'new_password', message: 'too short' }] });
  assert.match(weak.fields[0].message, /^新密码：至少 8 位/);
  assert.match(describe({ status: 422, code: 'validation_error', errors: [{ field: 'card_no' }] }).fields[0].message, /^卡号：1-32 位/);
});
