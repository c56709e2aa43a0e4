// 我的工作台: the agent's home after login — the next bookings with their allocation, the
// right to book (a suspension's end in the center's time zone, its reason in Chinese),
// shortcuts, and the manual's notices with the center's own numbers. A booking of today
// shows 当前叫号 and how many are ahead, live (live-place.js).
import { h, clear } from './dom.js';
import { API, itemsOf } from './api.js';
import { addDays, formatDay, periodName, todayIn } from './format.js';
import { badge, loading, messageBox, pageTitle } from './ui.js';
import { allocationText, statusBadge } from './bookings.js';
import { cutoffText, horizonText, lateText, loadCenter } from './center.js';
import { isSuspended, reasonText, suspensionText } from './rights.js';
import { FEE_NOTICE } from './book.js';
import { livePlace } from './live-place.js';

/** @typedef {import('api-types').BookingView} BookingView */
/** @typedef {import('api-types').BookingPage} BookingPage */
/** @typedef {import('api-types').BookingRightsView} BookingRightsView */

const UPCOMING = new Set(['confirmed', 'allocated', 'checked_in']);
const PERIOD_ORDER = { AM: 0, PM: 1 };

/** The bookings still ahead, soonest first (pure).
 *  @param {BookingView[]} items
 *  @param {string} today YYYY-MM-DD */
export function nextBookings(items, today, limit = 3) {
  return items.filter((b) => UPCOMING.has(b.status) && b.date >= today)
    .sort((a, b) => a.date.localeCompare(b.date) || (PERIOD_ORDER[a.period] ?? 9) - (PERIOD_ORDER[b.period] ?? 9))
    .slice(0, limit);
}

const SHORTCUTS = [
  ['#/book', '制卡预约', '选择日期和时间段，为 1-10 家企业预约'],
  ['#/bookings', '预约查询', '查看、取消预约，重发短信'],
  ['#/enterprises', '信息维护', '维护办理业务的企业'],
  ['#/rights', '预约权限', '逾期和取消的次数'],
  ['#/cards', '我的卡片', '绑定卡片，持卡登录'],
];

export async function render(ctx) {
  const { root, api } = ctx;
  const msg = messageBox();
  const rightsEl = h('section', { class: 'card', id: 'home-rights' }, h('h2', {}, '预约权限'), loading());
  const nextEl = h('section', { class: 'card', id: 'home-next' }, h('h2', {}, '近期预约'), loading());
  const rulesEl = h('ul', { class: 'rules', id: 'home-rules' });
  const name = ctx.session.displayName();
  root.append(pageTitle('我的工作台'),
    h('p', { class: 'lead' }, name ? `${name}，您好！` : '您好！'),
    msg, nextEl, rightsEl,
    h('section', { class: 'card' }, h('h2', {}, '常用功能'),
      h('div', { class: 'shortcuts', id: 'shortcuts' }, SHORTCUTS.map(([href, title, note]) =>
        h('a', { href, class: 'shortcut' }, h('strong', {}, title), h('span', {}, note))))),
    h('section', { class: 'card' }, h('h2', {}, '预约须知'),
      h('p', { class: 'notice', id: 'home-fee' }, FEE_NOTICE),
      h('p', { class: 'notice' }, '预约信息必须真实，且与到窗口办理业务时提供的信息一致，否则窗口工作人员不予办理。'),
      rulesEl));

  const center = await loadCenter(api);
  const today = todayIn(center.timezone);
  clear(rulesEl, h('li', {}, horizonText(center)), h('li', {}, cutoffText(center)), h('li', {}, lateText(center)));

  const lives = [];
  const keep = (el) => { if (el) lives.push(el); return el; };

  /** @type {[PromiseSettledResult<BookingPage>, PromiseSettledResult<BookingRightsView>]} */
  const [bookings, rights] = await Promise.allSettled([
    api.get(`${API}/bookings`, { query: { from: today, to: addDays(today, 60) } }),
    api.get(`${API}/me/booking-rights`),
  ]);

  if (bookings.status === 'rejected') { clear(nextEl, h('h2', {}, '近期预约')); msg.error(bookings.reason); } else {
    const next = nextBookings(itemsOf(bookings.value), today);
    clear(nextEl, h('h2', {}, '近期预约'), next.length
      ? h('ul', { class: 'next-list' }, next.map((b) => h('li', { class: 'next-item', dataset: { id: b.id } },
        h('div', { class: 'booking-head' },
          h('a', { href: `#/bookings/${encodeURIComponent(b.id)}` }, `${formatDay(b.date)} ${periodName(b.period)}`),
          statusBadge(b.status)),
        h('p', { class: b.allocation ? 'alloc' : 'hint' }, allocationText(b, center)),
        h('p', { class: 'hint' }, `${(b.enterprises ?? []).filter((e) => e.status !== 'cancelled').map((e) => e.name).join('、')}`),
        keep(livePlace(ctx, b, { compact: true, timezone: center.timezone })))))
      : h('p', { class: 'empty' }, '近期没有预约。', h('a', { href: '#/book' }, '去预约')));
  }

  if (rights.status === 'rejected') { clear(rightsEl, h('h2', {}, '预约权限')); msg.error(rights.reason); } else {
    const r = rights.value;
    const off = isSuspended(r);
    rightsEl.classList.toggle('rights-off', off);
    clear(rightsEl, h('h2', {}, '预约权限 ', off ? badge('已暂停', 'warn') : badge('正常', 'ok')),
      off ? h('p', {}, suspensionText(r, center.timezone), h('span', { class: 'reason' }, reasonText(r))) : h('p', {}, '您可以正常预约。'),
      h('p', { class: 'hint' }, `逾期未到 ${Number(r.no_shows ?? 0)} 次，取消预约 ${Number(r.cancellations ?? 0)} 次。`,
        h('a', { href: '#/rights' }, '查看详情')));
  }
  return () => lives.forEach((el) => el.stop());
}
