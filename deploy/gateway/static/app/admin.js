// What the console's screens share: the center they administer, the banner about days whose
// official calendar is not confirmed (GET /api/v1/admin/calendar's first_unconfirmed), and
// small pure helpers (tested in Node).
import { h } from './dom.js';
import { API } from './api.js';
import { formatFullDay, todayIn } from './format.js';
import { loadCenter } from './center.js';

/** The source of a day in the admin month calendar -> [label, badge kind]. */
export const SOURCE_BADGES = Object.freeze({
  override: ['中心调整', 'info'], admin: ['官方（导入）', 'ok'], package: ['官方（数据包）', 'ok'],
  official: ['官方', 'ok'], fallback: ['未确认', 'warn'],
});

export function sourceBadge(source) {
  return SOURCE_BADGES[source] ?? [String(source ?? '—'), 'muted'];
}

/** The banner's text for first_unconfirmed ({date, release_opens_on, days_until_release}),
 *  or null when every day ahead is confirmed. */
export function unconfirmedText(first) {
  if (!first?.date) return null;
  const year = first.date.slice(0, 4);
  const days = Number(first.days_until_release);
  const when = Number.isFinite(days) && days <= 0
    ? '已进入预约开放范围，但不会开放预约'
    : `将于 ${formatFullDay(first.release_opens_on)} 进入预约开放范围${Number.isFinite(days) ? `（还有 ${days} 天）` : ''}，届时也不会开放预约`;
  return `${year} 年的官方节假日安排尚未确认：${formatFullDay(first.date)}起的日期${when}。请导入 ${year} 年的官方日历。`;
}

/** YYYY-MM of today + ``delta`` months. */
export function monthOf(date, delta = 0) {
  const [y, m] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1 + delta, 1));
  return t.toISOString().slice(0, 7);
}

/** The center and today (in its time zone) for a console screen. */
export async function adminContext(api) {
  const center = await loadCenter(api);
  return { center, code: center.center || 'qingdao', today: todayIn(center.timezone) };
}

/** The banner (a live element, empty until the calendar answers): shown on every screen. */
export function unconfirmedBanner(api, code, today) {
  const el = h('div', { class: 'msg msg-warn banner', id: 'unconfirmed-banner', role: 'status', hidden: true });
  api.get(`${API}/admin/calendar`, { query: { center: code, month: monthOf(today) } }).then((cal) => {
    const text = unconfirmedText(cal?.first_unconfirmed);
    if (!text) return;
    const year = cal.first_unconfirmed.date.slice(0, 4);
    el.replaceChildren(h('p', { class: 'msg-text' }, text, ' ', h('a', { href: `#/admin/years?year=${year}` }, `导入 ${year} 年日历`)));
    if (Number(cal.first_unconfirmed.days_until_release) <= 30) el.classList.add('banner-urgent');
    el.hidden = false;
  }).catch(() => { /* the screen itself shows its own errors */ });
  return el;
}

/** A console screen's start: heading, banner, and the center/today it works on. */
export async function consoleScreen(ctx, title, ...extra) {
  const { root, api } = ctx;
  const ac = await adminContext(api);
  root.append(h('div', { class: 'page-head' }, h('h1', {}, title), ...extra), unconfirmedBanner(api, ac.code, ac.today));
  return ac;
}
