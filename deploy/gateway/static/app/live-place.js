// 当前叫号 / 您前面还有 N 位 on the agent's screens (预约详情, 我的工作台): shown only for a
// booking of today that is not done yet, kept fresh by followPlace (place.js).
import { h, clear } from './dom.js';
import { placeText } from './calling.js';
import { followPlace } from './place.js';
import { todayIn } from './format.js';

const LIVE = new Set(['confirmed', 'allocated', 'checked_in']);

/** Whether a booking gets the live place: today (the center's date) and not done. */
export function isLiveDay(booking, today) {
  return Boolean(booking && booking.date === today && LIVE.has(booking.status) && booking.allocation);
}

/**
 * livePlace(ctx, booking, {compact}) -> element with .stop(), or null when the booking is not
 * live today. The element is a polite live region: a screen reader hears the new figures.
 * @param {any} ctx
 * @param {any} booking
 * @param {{compact?: boolean, timezone?: string}} [options]
 */
export function livePlace(ctx, booking, { compact = false, timezone } = {}) {
  if (!isLiveDay(booking, todayIn(timezone))) return null;
  const now = h('strong', { class: 'place-now' }, '当前叫号 …');
  const ahead = h('span', { class: 'place-ahead' }, '');
  const state = h('span', { class: 'place-state hint' }, '');
  const el = h(compact ? 'div' : 'section', {
    class: ['live-place', compact ? 'live-place-compact' : 'card'], dataset: { booking: booking.id },
    'aria-live': 'polite',
  }, compact ? null : h('h2', {}, '排队进度'), h('p', { class: 'place-line' }, now, ahead), state);
  const stop = followPlace({
    api: ctx.api, session: ctx.session, bookingId: booking.id,
    onPlace: (place) => {
      const t = placeText(place);
      if (!t) { el.hidden = true; return; }
      el.hidden = false;
      now.textContent = t.now;
      ahead.textContent = t.ahead;
      el.classList.toggle('place-called', t.called);
    },
    onState: (s) => {
      clear(state, s === 'live' ? '实时更新' : s === 'polling' ? '每 10 秒更新' : '网络中断，正在重试…');
      el.dataset.state = s;
    },
  });
  el.stop = stop;
  return el;
}
