// Pure logic of the administration console and the agent's new screens: the official-year
// import (parsing, checks, the preview diff), center-time dates, reason labels, the center's
// published rules, enterprise code checks, the menu per role, the month grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkSchedule, dayKind, diffYear, parseDate, parseDateList, parseScheduleJson,
} from '../../deploy/gateway/static/app/calendar-import.js';
import { dateIn, formatInstant, formatSuspendedUntil } from '../../deploy/gateway/static/app/format.js';
import {
  AUDIT_CHANGES, NOT_BOOKABLE, SUSPENSION_REASONS, auditNote, labelOf, maskPhone,
} from '../../deploy/gateway/static/app/labels.js';
import {
  allocationPromise, clockWords, cutoffText, horizonText, lateText, normalizeCenter,
} from '../../deploy/gateway/static/app/center.js';
import { ENTERPRISE_NAME_MAX, checkOrgCode } from '../../deploy/gateway/static/app/orgcode.js';
import { menuFor } from '../../deploy/gateway/static/app/router.js';
import { monthOf, unconfirmedText } from '../../deploy/gateway/static/app/admin.js';
import { monthCells } from '../../deploy/gateway/static/app/admin-calendar.js';
import { nextBookings } from '../../deploy/gateway/static/app/home.js';
import { messageFor } from '../../deploy/gateway/static/app/errors.js';

test('dates in the forms officials write them', () => {
  assert.equal(parseDate('2027-1-1'), '2027-01-01');
  assert.equal(parseDate('2027/10/07'), '2027-10-07');
  assert.equal(parseDate('2027年2月6日'), '2027-02-06');
  assert.equal(parseDate('20270501'), '2027-05-01');
  assert.equal(parseDate('２０２７-０１-０１'), '2027-01-01'); // full-width digits from an input method
  assert.equal(parseDate('2027-02-30'), null);
  assert.equal(parseDate('1月1日'), null);
});

test('a pasted list: separators, ranges, duplicates, other years', () => {
  const r = parseDateList('2027-01-01，2027-01-01\n2027-02-10~2027-02-12；2027年10月1日 至 2027年10月3日 2027-05-01', 2027);
  assert.deepEqual(r.dates, ['2027-01-01', '2027-02-10', '2027-02-11', '2027-02-12', '2027-05-01',
    '2027-10-01', '2027-10-02', '2027-10-03']);
  assert.deepEqual(r.problems, []);
  const bad = parseDateList('2026-12-31\nnot-a-date\n2027-03-05~2027-03-01', 2027);
  assert.deepEqual(bad.dates, []);
  assert.equal(bad.problems.length, 3);
  assert.match(bad.problems[0], /2026-12-31 不在 2027 年内/);
  assert.match(bad.problems[1], /无法识别的日期：not-a-date/);
  assert.match(bad.problems[2], /无法识别的日期范围/);
});

test('an uploaded JSON file in the API shape; plain text is not JSON', () => {
  assert.deepEqual(parseScheduleJson('{"year": 2027, "holidays": ["2027-01-01"], "workdays": []}'),
    { year: 2027, holidays: '2027-01-01', workdays: '' });
  assert.equal(parseScheduleJson('2027-01-01\n2027-01-02'), null);
  assert.equal(parseScheduleJson('{"other": 1}'), null);
});

test('schedule checks: a workday must be a weekend day and not a holiday', () => {
  assert.deepEqual(checkSchedule({ holidays: ['2027-01-01'], workdays: ['2027-02-20'] }), []); // a Saturday
  const p = checkSchedule({ holidays: ['2027-02-20'], workdays: ['2027-02-20', '2027-02-22'] });
  assert.equal(p.length, 2);
  assert.match(p[0], /同时出现/);
  assert.match(p[1], /2027-02-22 是周一至周五/);
});

test('the preview lists exactly the days that change', () => {
  const after = { holidays: ['2027-01-01', '2027-02-13'], workdays: ['2027-02-20'] };
  // Unconfirmed before: compared with Monday-Friday. 1 Jan (Fri) closes, 20 Feb (Sat) opens,
  // 13 Feb (Sat) is a holiday on a weekend: listed, not a change of working.
  const fromNothing = diffYear(2027, null, after);
  assert.deepEqual(fromNothing.changes.map((c) => [c.date, c.before, c.after]), [
    ['2027-01-01', 'weekday', 'holiday'], ['2027-02-13', 'weekend', 'holiday'], ['2027-02-20', 'weekend', 'workday']]);
  assert.deepEqual(fromNothing.changes.map((c) => c.workingAfter), [false, false, true]);
  assert.deepEqual(fromNothing.counts, { holidays: 2, workdays: 1, working: 261 - 1 + 1 });
  // Against a loaded year: only what differs.
  const before = { holidays: ['2027-01-01', '2027-05-03'], workdays: ['2027-02-20'] };
  assert.deepEqual(diffYear(2027, before, after).changes.map((c) => [c.date, c.before, c.after]), [
    ['2027-02-13', 'weekend', 'holiday'], ['2027-05-03', 'holiday', 'weekday']]);
  assert.deepEqual(diffYear(2027, after, after).changes, []);
  assert.equal(dayKind('2027-01-02', null), 'weekend');
});

test('instants shown in the center time zone, never UTC', () => {
  // 31 Aug + 6 months ends at the start of 28 Feb in Qingdao: 27 Feb 16:00 UTC.
  assert.equal(formatSuspendedUntil('2027-02-27T16:00:00Z', 'Asia/Shanghai'), '2027年2月28日 00:00（北京时间）');
  assert.equal(formatSuspendedUntil('2027-02-28T00:00:00+08:00'), '2027年2月28日 00:00（北京时间）');
  assert.equal(dateIn('2027-02-27T16:00:00Z', 'Asia/Shanghai'), '2027-02-28');
  assert.equal(dateIn('2027-02-27T16:00:00Z', 'UTC'), '2027-02-27');
  assert.equal(formatInstant('2027-02-27T16:00:00Z', { tz: 'Asia/Urumqi' }), '2月27日 22:00');
  assert.equal(formatSuspendedUntil(null), '');
  // The 403 booking.suspended message: the center's date, not the instant's UTC date.
  assert.match(messageFor({ code: 'booking.suspended', status: 403, suspended_until: '2027-02-27T16:00:00Z' }),
    /暂停至 2027年2月28日，/);
});

test('reason and state codes in Chinese; an unknown code shows as itself', () => {
  assert.match(labelOf(SUSPENSION_REASONS, 'too_many_no_shows'), /^逾期未到次数过多/);
  assert.match(labelOf(SUSPENSION_REASONS, 'too_many_cancellations'), /^取消预约次数过多/);
  assert.equal(labelOf(NOT_BOOKABLE, 'calendar_unconfirmed'), '官方日历未确认');
  assert.equal(labelOf(AUDIT_CHANGES, 'lifted'), '解除暂停');
  assert.equal(labelOf(SUSPENSION_REASONS, 'something_new'), 'something_new');
  assert.equal(labelOf(SUSPENSION_REASONS, null), '');
  assert.equal(labelOf(SUSPENSION_REASONS, 'toString'), 'toString'); // not Object.prototype's
});

test("audit notes: the service's English notes in Chinese, an admin's reason as written", () => {
  assert.equal(auditNote('cancelled booking 32840e66-1d0a-4b19-bf08-ef96ec920168'), '取消预约 32840e66');
  assert.equal(auditNote('cancelled booking 32840e66-1d0a-4b19-bf08-ef96ec920168 line 370200018'),
    '取消预约 32840e66 中的企业 370200018');
  assert.equal(auditNote('late at the desk: booking b-1'), '迟到超过时限，窗口不予办理：预约 b-1');
  assert.equal(auditNote('not checked in by closing time: booking b-2'), '闭馆时仍未签到：预约 b-2');
  assert.match(auditNote('too_many_cancellations'), /^取消预约次数过多/);
  assert.equal(auditNote('经核实，取消系企业变更所致'), '经核实，取消系企业变更所致');
  assert.equal(auditNote(null), '');
});

test('phones masked in the console', () => {
  assert.equal(maskPhone('13812345678'), '138****5678');
  assert.equal(maskPhone('138****5678'), '138****5678');
  assert.equal(maskPhone('12345'), '*2345');
});

test("the center's rules come from what the API publishes", () => {
  const c = normalizeCenter({ id: 'qingdao', timezone: 'Asia/Shanghai', cutoff_time: '16:30', release_working_days: 3,
    late_minutes: 15, limits: { enterprise_name_max: 200 } });
  assert.deepEqual([c.center, c.cutoffTime, c.horizonDays, c.lateMinutes, c.enterpriseNameMax], ['qingdao', '16:30', 3, 15, 200]);
  assert.equal(cutoffText(c), '每天 16:30后截止次日业务的预约和取消。');
  assert.equal(horizonText(c), '系统提前 3 个工作日开放预约，当日业务不预约。');
  assert.equal(lateText(c), '超过预约办理时间段起始时间 15 分钟到窗口，不予办理，计入逾期。');
  assert.match(allocationPromise(c), /16:30 后分配/);
  assert.equal(clockWords('15:00'), '15 点');
  // Nothing published (an older API): no number is made up.
  const none = normalizeCenter(null, { center: 'qingdao', timezone: 'Asia/Shanghai' });
  assert.equal(none.center, 'qingdao');
  for (const text of [cutoffText(none), horizonText(none), lateText(none), allocationPromise(none)]) {
    assert.doesNotMatch(text, /\d/);
  }
});

test('enterprise codes: shape and check characters, as booking checks them', () => {
  assert.deepEqual(checkOrgCode('MA3C12346'), { code: 'MA3C12346', error: null });
  assert.deepEqual(checkOrgCode(' ma3c1234-6 '), { code: 'MA3C12346', error: null });
  assert.deepEqual(checkOrgCode('91370200MA3C12346H'), { code: 'MA3C12346', error: null });
  assert.deepEqual(checkOrgCode('370200018'), { code: '370200018', error: null });
  assert.equal(checkOrgCode('370200017').error, 'check');
  assert.equal(checkOrgCode('91370200MA3C12346J').error, 'check');
  assert.equal(checkOrgCode('91370200MA3C12347H').error, 'check');
  assert.equal(checkOrgCode('1234').error, 'shape');
  assert.equal(checkOrgCode('').error, 'empty');
  assert.equal(ENTERPRISE_NAME_MAX, 200);
});

test('the menu per role: an admin sees the console, staff the desk, an agent their screens', () => {
  const routes = [{ path: '/home', menu: true }, { path: '/desk', menu: true, role: 'staff' },
    { path: '/admin', menu: true, role: 'admin' }, { path: '/bookings/:id' }];
  const roles = (...r) => (role) => r.includes(role);
  assert.deepEqual(menuFor(routes, roles('agent')).map((r) => r.path), ['/home']);
  assert.deepEqual(menuFor(routes, roles('agent', 'staff')).map((r) => r.path), ['/home', '/desk']);
  assert.deepEqual(menuFor(routes, roles('agent', 'admin')).map((r) => r.path), ['/admin']);
  assert.deepEqual(menuFor(routes, roles('admin', 'staff')).map((r) => r.path), ['/desk', '/admin']);
});

test('the month grid and the unconfirmed banner', () => {
  const days = ['2027-01-01', '2027-01-02'].map((date) => ({ date }));
  assert.deepEqual(monthCells(days).map((d) => d?.date ?? null), [null, null, null, null, '2027-01-01', '2027-01-02']);
  assert.equal(monthOf('2026-12-06', 1), '2027-01');
  assert.equal(monthOf('2027-01-31', -1), '2026-12');
  assert.equal(unconfirmedText(null), null);
  const text = unconfirmedText({ date: '2027-01-01', release_opens_on: '2026-12-30', days_until_release: 24 });
  assert.match(text, /2027 年的官方节假日安排尚未确认/);
  assert.match(text, /2026年12月30日 周三 进入预约开放范围（还有 24 天）/);
});

test('我的工作台 lists the bookings ahead, soonest first', () => {
  const b = (id, date, period, status) => ({ id, date, period, status });
  const items = [b('a', '2027-01-12', 'PM', 'confirmed'), b('b', '2027-01-12', 'AM', 'allocated'),
    b('c', '2027-01-10', 'AM', 'allocated'), b('d', '2027-01-13', 'AM', 'cancelled'), b('e', '2027-01-20', 'AM', 'confirmed'),
    b('f', '2027-01-21', 'AM', 'confirmed')];
  assert.deepEqual(nextBookings(items, '2027-01-11').map((x) => x.id), ['b', 'a', 'e']);
});
