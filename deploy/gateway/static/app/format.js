// Dates, labels and small text helpers (pure). The center's dates are Asia/Shanghai dates.

export const CENTER_TZ = 'Asia/Shanghai';
export const PHONE_RE = /^1[3-9]\d{9}$/;
export const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

export const PERIOD_NAMES = { AM: '上午', PM: '下午' };
export const BOOKING_STATUS = {
  confirmed: '已预约', allocated: '已分配', checked_in: '已签到', completed: '已办结',
  no_show: '逾期未到', cancelled: '已取消',
};
export const LINE_STATUS = { active: '有效', cancelled: '已取消' };
export const SMS_STATUS = { pending: '发送中', delivered: '已送达', failed: '发送失败' };

/** Today's date (YYYY-MM-DD) in the center's time zone. */
export function todayIn(tz = CENTER_TZ, now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function addDays(date, days) {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

export function weekday(date) {
  const [y, m, d] = date.split('-').map(Number);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

/** "2026-12-01" -> "12月1日 周二" */
export function formatDay(date) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date ?? '')) return String(date ?? '');
  const [, m, d] = date.split('-').map(Number);
  return `${m}月${d}日 ${weekday(date)}`;
}

/** "2026-12-01" -> "2026年12月1日 周二" */
export function formatFullDay(date) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date ?? '')) return String(date ?? '');
  return `${date.slice(0, 4)}年${formatDay(date)}`;
}

/** An ISO instant shown in the center's time (never the browser's, never UTC):
 *  "11月30日 15:00"; ``tz`` is the center's zone when the API names another. */
export function formatInstant(iso, { withYear = false, tz = CENTER_TZ } = {}) {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: tz || CENTER_TZ, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(t).map((p) => [p.type, p.value]));
  return `${withYear ? `${parts.year}年` : ''}${Number(parts.month)}月${Number(parts.day)}日 ${parts.hour}:${parts.minute}`;
}

/** The center's date (YYYY-MM-DD) of an ISO instant. */
export function dateIn(iso, tz = CENTER_TZ) {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? null : todayIn(tz || CENTER_TZ, t);
}

/** The end of a suspension as people at the center read it: "2027年2月28日 00:00（北京时间）". */
export function formatSuspendedUntil(iso, tz = CENTER_TZ) {
  if (!iso) return '';
  const zone = tz || CENTER_TZ;
  const name = zone === 'Asia/Shanghai' ? '北京时间' : zone;
  return `${formatInstant(iso, { withYear: true, tz: zone })}（${name}）`;
}

export function periodName(code) {
  return PERIOD_NAMES[code] ?? String(code ?? '');
}

/** "上午 09:00-11:30" from a calendar period or a booking's period code. */
export function periodLabel(period) {
  if (!period || typeof period !== 'object') return periodName(period);
  const time = period.start && period.end ? ` ${period.start}-${period.end}` : '';
  return `${periodName(period.code)}${time}`;
}

export function label(map, value) {
  return map[value] ?? String(value ?? '');
}

/** A 9-char organisation code or an 18-char unified social credit code (shape only; the
 *  server checks the check characters). Returns the upper-cased code or null. */
export function normalizeOrgCode(raw) {
  const code = String(raw ?? '').trim().toUpperCase().replace(/[\s-]/g, '');
  return /^[0-9A-Z]{8}[0-9X]$/.test(code) || /^[0-9A-Z]{18}$/.test(code) ? code : null;
}
