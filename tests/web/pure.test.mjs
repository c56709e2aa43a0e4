// router.js and format.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, match, parseHash } from '../../deploy/gateway/static/app/router.js';
import { addDays, formatDay, formatInstant, normalizeOrgCode, periodLabel, todayIn, PHONE_RE } from '../../deploy/gateway/static/app/format.js';

test('hash routes with parameters and queries', () => {
  const routes = compile([{ path: '/bookings', name: 'list' }, { path: '/bookings/:id', name: 'one' }, { path: '/login', name: 'login' }]);
  assert.equal(match(routes, '#/bookings').route.name, 'list');
  assert.equal(match(routes, '#/bookings/').route.name, 'list');
  const one = match(routes, '#/bookings/b%201?x=1');
  assert.equal(one.route.name, 'one');
  assert.deepEqual(one.params, { id: 'b 1' });
  assert.deepEqual(one.query, { x: '1' });
  assert.deepEqual(match(routes, '#/login?next=%23%2Fbook').query, { next: '#/book' });
  assert.equal(match(routes, '#/nope'), null);
  assert.equal(match(routes, ''), null);
  assert.deepEqual(parseHash(''), { path: '/', query: {} });
});

test('dates and labels', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  assert.equal(formatDay('2026-12-01'), '12月1日 周二');
  assert.equal(formatInstant('2026-11-30T07:00:00Z'), '11月30日 15:00');
  assert.equal(formatInstant('2027-05-20T00:00:00+08:00', { withYear: true }), '2027年5月20日 00:00');
  assert.equal(todayIn('Asia/Shanghai', new Date('2026-12-01T16:30:00Z')), '2026-12-02');
  assert.equal(periodLabel({ code: 'AM', start: '09:00', end: '11:30' }), '上午 09:00-11:30');
  assert.equal(periodLabel('PM'), '下午');
  assert.ok(PHONE_RE.test('13800000000'));
  assert.ok(!PHONE_RE.test('12800000000'));
});

test('organisation codes: 9 or 18 characters, upper-cased', () => {
  assert.equal(normalizeOrgCode(' 12345678-x '), '12345678X');
  assert.equal(normalizeOrgCode('91370200MA3C1234X5'.toLowerCase()), '91370200MA3C1234X5');
  assert.equal(normalizeOrgCode('1234'), null);
  assert.equal(normalizeOrgCode('12345678Y'), null);
});
