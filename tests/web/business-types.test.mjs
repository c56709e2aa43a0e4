// The business-type rules of the booking form (deploy/gateway/static/app/business-types.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUILTIN_TYPES, blockedBy, describeBusinesses, loadBusinessTypes, normalizeTypes, ruleHint,
  toRequestItems, validateBusinesses,
} from '../../deploy/gateway/static/app/business-types.js';

const types = normalizeTypes(BUILTIN_TYPES);
const codes = (list) => list.map((p) => p.code).sort();

test('the built-in list has the eight types of the manual, in its order', () => {
  assert.deepEqual(BUILTIN_TYPES.map((t) => t.code), [
    'PRE_ENTRY', 'NEW_CARD', 'CHANGE_INFO', 'RENEW_UNLOCK', 'DECLARANT_CARD', 'OPERATOR_CARD', 'REISSUE_CARD', 'BUY_READER']);
  assert.deepEqual(BUILTIN_TYPES.map((t) => t.name), [
    '预录入', '新制卡', '变更企业信息', '卡延期、解锁', '增加、更换报关员卡', '增加操作员卡', '补卡、换卡', '购读卡器']);
  assert.deepEqual(types.filter((t) => t.needsCount).map((t) => t.code),
    ['RENEW_UNLOCK', 'DECLARANT_CARD', 'OPERATOR_CARD', 'REISSUE_CARD']);
  assert.deepEqual(types.filter((t) => t.optionalCount).map((t) => t.code), ['BUY_READER']);
});

test('PRE_ENTRY and NEW_CARD block every other type; others block them', () => {
  for (const exclusive of ['PRE_ENTRY', 'NEW_CARD']) {
    const blocked = blockedBy(types, [exclusive]);
    assert.deepEqual([...blocked.keys()].sort(), types.map((t) => t.code).filter((c) => c !== exclusive).sort());
    assert.ok([...blocked.values()].every((by) => by === exclusive));
  }
  const blocked = blockedBy(types, ['OPERATOR_CARD']);
  assert.deepEqual([...blocked.keys()].sort(), ['NEW_CARD', 'PRE_ENTRY']);
});

test('CHANGE_INFO and RENEW_UNLOCK block each other, and nothing else between them', () => {
  assert.ok(blockedBy(types, ['CHANGE_INFO']).has('RENEW_UNLOCK'));
  assert.ok(blockedBy(types, ['RENEW_UNLOCK']).has('CHANGE_INFO'));
  assert.ok(!blockedBy(types, ['CHANGE_INFO']).has('DECLARANT_CARD'));
  assert.deepEqual([...blockedBy(types, ['CHANGE_INFO', 'BUY_READER']).keys()].sort(), ['NEW_CARD', 'PRE_ENTRY', 'RENEW_UNLOCK']);
});

test('validateBusinesses gives the codes the API would', () => {
  assert.deepEqual(validateBusinesses(types, [{ type: 'PRE_ENTRY' }]), []);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'PRE_ENTRY' }, { type: 'BUY_READER' }])), ['booking.business_conflict']);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'NEW_CARD' }, { type: 'PRE_ENTRY' }])), ['booking.business_conflict']);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'CHANGE_INFO' }, { type: 'RENEW_UNLOCK', count: 1 }])), ['booking.business_conflict']);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'RENEW_UNLOCK' }])), ['booking.count_required']);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'REISSUE_CARD', count: '' }])), ['booking.count_required']);
  for (const bad of [0, 100, '1.5', -1, 'abc']) {
    assert.deepEqual(codes(validateBusinesses(types, [{ type: 'DECLARANT_CARD', count: bad }])), ['validation_error'], `count ${bad}`);
  }
  for (const ok of [1, 99, '7']) assert.deepEqual(validateBusinesses(types, [{ type: 'OPERATOR_CARD', count: ok }]), []);
  assert.deepEqual(validateBusinesses(types, [{ type: 'BUY_READER' }]), []);
  assert.deepEqual(validateBusinesses(types, [{ type: 'BUY_READER', count: 3 }]), []);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'CHANGE_INFO', count: 2 }])), ['validation_error']);
  assert.deepEqual(codes(validateBusinesses(types, [])), ['validation_error']);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'NOPE' }])), ['validation_error']);
  assert.deepEqual(codes(validateBusinesses(types, [{ type: 'BUY_READER' }, { type: 'BUY_READER' }])), ['validation_error']);
  assert.deepEqual(validateBusinesses(types, [
    { type: 'CHANGE_INFO' }, { type: 'DECLARANT_CARD', count: 2 }, { type: 'OPERATOR_CARD', count: 1 },
    { type: 'REISSUE_CARD', count: 1 }, { type: 'BUY_READER', count: 2 }]), []);
});

test('toRequestItems sends counts only where a type takes one, BUY_READER defaulting to 1', () => {
  const selection = new Map([['BUY_READER', ''], ['RENEW_UNLOCK', '2'], ['DECLARANT_CARD', '']]);
  assert.deepEqual(toRequestItems(types, selection), [
    { type: 'RENEW_UNLOCK', count: 2 }, { type: 'DECLARANT_CARD' }, { type: 'BUY_READER', count: 1 }]);
  assert.deepEqual(toRequestItems(types, new Map([['CHANGE_INFO', '5']])), [{ type: 'CHANGE_INFO' }]);
});

test('normalizeTypes takes the API list, makes exclusions symmetric, keeps BUY_READER optional', () => {
  const fromApi = normalizeTypes([
    { code: 'PRE_ENTRY', name: '预录入', needs_count: false, excludes: ['NEW_CARD', 'CHANGE_INFO'] },
    { code: 'NEW_CARD', name: '新制卡', needs_count: false, excludes: [] },
    { code: 'CHANGE_INFO', name: '变更企业信息', needs_count: false, excludes: [] },
    { code: 'BUY_READER', name: '购读卡器', needs_count: false, excludes: [] },
    { name: 'no code' },
  ]);
  assert.equal(fromApi.length, 4);
  assert.ok(fromApi.find((t) => t.code === 'NEW_CARD').excludes.has('PRE_ENTRY'));
  assert.ok(fromApi.find((t) => t.code === 'CHANGE_INFO').excludes.has('PRE_ENTRY'));
  assert.equal(fromApi.find((t) => t.code === 'BUY_READER').optionalCount, true);
  assert.deepEqual(normalizeTypes(null), []);
  // The booking service's "count" member wins over the built-in knowledge.
  const withRule = normalizeTypes([
    { code: 'BUY_READER', name: '购读卡器', needs_count: false, count: 'none', excludes: [] },
    { code: 'NEW_TYPE', name: '新业务', needs_count: false, count: 'optional', excludes: [] },
    { code: 'OTHER', name: '其他', count: 'required', excludes: [] },
  ]);
  assert.deepEqual(withRule.map((t) => [t.code, t.needsCount, t.optionalCount]),
    [['BUY_READER', false, false], ['NEW_TYPE', false, true], ['OTHER', true, false]]);
});

test('loadBusinessTypes uses the API when it answers and the built-in list otherwise', async () => {
  const apiList = BUILTIN_TYPES.map((t) => ({ ...t, name: `${t.name}*` }));
  for (const answer of [apiList, { items: apiList, next_cursor: null }]) {
    const got = await loadBusinessTypes({ get: async (path) => { assert.equal(path, '/api/v1/business-types'); return answer; } });
    assert.equal(got.source, 'api');
    assert.equal(got.types[0].name, '预录入*');
  }
  const failing = await loadBusinessTypes({ get: async () => { throw new Error('503'); } });
  assert.equal(failing.source, 'builtin');
  assert.equal(failing.types.length, 8);
  const empty = await loadBusinessTypes({ get: async () => ({ items: [] }) });
  assert.equal(empty.source, 'builtin');
});

test('hints and descriptions read as the manual does', () => {
  const byCode = Object.fromEntries(types.map((t) => [t.code, t]));
  assert.match(ruleHint(types, byCode.PRE_ENTRY), /与其他业务互斥/);
  assert.match(ruleHint(types, byCode.CHANGE_INFO), /与卡延期、解锁互斥/);
  assert.doesNotMatch(ruleHint(types, byCode.CHANGE_INFO), /预录入/);
  assert.match(ruleHint(types, byCode.RENEW_UNLOCK), /与变更企业信息互斥.*需填写张数/);
  assert.match(ruleHint(types, byCode.BUY_READER), /数量选填/);
  assert.equal(describeBusinesses(types, [{ type: 'RENEW_UNLOCK', count: 2 }, { type: 'CHANGE_INFO' }, { type: 'X' }]),
    '卡延期、解锁 ×2、变更企业信息、X');
});
