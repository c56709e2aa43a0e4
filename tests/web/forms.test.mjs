// The form-level checks of the screens (pure parts exported by the screen modules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBooking, MAX_ENTERPRISES } from '../../deploy/gateway/static/app/book.js';
import { checkRegistration } from '../../deploy/gateway/static/app/register.js';
import { checkPasswordReset, PASSWORD_MAX } from '../../deploy/gateway/static/app/password-reset.js';
import { deskActions } from '../../deploy/gateway/static/app/desk.js';
import { isSuspended } from '../../deploy/gateway/static/app/rights.js';
import { BUILTIN_TYPES, normalizeTypes } from '../../deploy/gateway/static/app/business-types.js';

const types = normalizeTypes(BUILTIN_TYPES);
const ent = (n) => ({ enterprise: { org_code: `C${n}`, name: `企业${n}` }, selection: new Map([['CHANGE_INFO', '']]) });
const ok = {
  day: { date: '2026-12-01' }, period: { code: 'AM', remaining: 12 }, lines: [ent(1)], types,
  contactName: '张三', contactPhone: '13800000000',
};

test('checkBooking: a complete form passes', () => {
  assert.deepEqual(checkBooking(ok), []);
});

test('checkBooking: each missing or wrong part is named', () => {
  assert.deepEqual(checkBooking({ ...ok, day: null, period: null }), ['请选择预约日期', '请选择时间段']);
  assert.deepEqual(checkBooking({ ...ok, lines: [] }), ['请至少选择 1 家企业']);
  const eleven = Array.from({ length: MAX_ENTERPRISES + 1 }, (_, i) => ent(i));
  assert.ok(checkBooking({ ...ok, lines: eleven, period: { code: 'AM', remaining: 40 } }).includes('每次最多预约 10 家企业'));
  assert.match(checkBooking({ ...ok, period: { code: 'AM', remaining: 0 } })[0], /仅剩 0 个名额/);
  assert.deepEqual(checkBooking({ ...ok, contactName: '', contactPhone: '138' }), ['请填写联系人', '联系电话请填写 11 位手机号']);
  const conflict = { enterprise: { org_code: 'X', name: '甲公司' }, selection: new Map([['PRE_ENTRY', ''], ['BUY_READER', '1']]) };
  assert.deepEqual(checkBooking({ ...ok, lines: [conflict] }), ['甲公司：预录入与购读卡器不能同时预约']);
  const noCount = { enterprise: { org_code: 'Y', name: '乙公司' }, selection: new Map([['REISSUE_CARD', '']]) };
  assert.deepEqual(checkBooking({ ...ok, lines: [noCount] }), ['乙公司：补卡、换卡需要填写张数（1-99）']);
  const none = { enterprise: { org_code: 'Z', name: '丙公司' }, selection: new Map() };
  assert.deepEqual(checkBooking({ ...ok, lines: [none] }), ['丙公司：请至少选择一项业务']);
});

test('checkRegistration mirrors identity\'s field rules', () => {
  const v = { phone: '13800000000', sms_code: '123456', username: 'zhangsan', password: 'a-long-pass', password2: 'a-long-pass',
    name: '张三', email: '', org_code: '' };
  assert.deepEqual(checkRegistration(v), {});
  assert.deepEqual(Object.keys(checkRegistration({ ...v, phone: '1234', sms_code: '', username: '_x', password: 'short',
    name: '', email: 'no-at', org_code: '123' })).sort(), ['email', 'name', 'org_code', 'password', 'phone', 'sms_code', 'username']);
  assert.deepEqual(Object.keys(checkRegistration({ ...v, password2: 'other-pass' })), ['password2']);
  assert.deepEqual(checkRegistration({ ...v, org_code: '91370200MA3C1234X5', email: 'a@b.cn' }), {});
});

test('desk actions follow the booking status; suspensions end', () => {
  assert.deepEqual(deskActions('allocated'), { checkIn: true, complete: false, noShow: true });
  assert.deepEqual(deskActions('checked_in'), { checkIn: false, complete: true, noShow: false });
  for (const s of ['completed', 'no_show', 'cancelled']) assert.deepEqual(deskActions(s), { checkIn: false, complete: false, noShow: false });
  assert.equal(isSuspended({ suspended_until: '2999-01-01T00:00:00+08:00' }), true);
  assert.equal(isSuspended({ suspended_until: '2000-01-01T00:00:00+08:00' }), false);
  assert.equal(isSuspended({ suspended_until: null }), false);
});

test('checkPasswordReset: phone, code, a long enough new password typed twice', () => {
  const v = { phone: '13800000000', sms_code: '123456', new_password: 'a-new-pass-1', password2: 'a-new-pass-1' };
  assert.deepEqual(checkPasswordReset(v), {});
  assert.deepEqual(Object.keys(checkPasswordReset({ phone: '2380000000', sms_code: 'abc', new_password: 'short', password2: '' })).sort(),
    ['new_password', 'phone', 'sms_code']);
  assert.deepEqual(checkPasswordReset({ ...v, password2: 'a-new-pass-2' }), { password2: '两次输入的密码不一致' });
  const long = 'x'.repeat(PASSWORD_MAX + 1);
  assert.deepEqual(Object.keys(checkPasswordReset({ ...v, new_password: long, password2: long })), ['new_password']);
});
