// 预约查询: the agent's bookings in a date range, with cancel, resend SMS, the allocation
// and the SMS status. The details of one booking are booking.js.
import { h, clear } from './dom.js';
import { API, itemsOf } from './api.js';
import { BOOKING_STATUS, SMS_STATUS, addDays, formatDay, label, periodName, todayIn } from './format.js';
import { badge, confirmButton, loading, messageBox, pageTitle } from './ui.js';
import { allocationPromise } from './center.js';

/** @typedef {import('api-types').BookingView} BookingView */
/** @typedef {import('api-types').BookingPage} BookingPage */

const STATUS_KIND = {
  confirmed: 'info', allocated: 'ok', checked_in: 'ok', completed: 'muted', no_show: 'warn', cancelled: 'muted',
};
const SMS_KIND = { pending: 'info', delivered: 'ok', failed: 'warn' };

/** @param {BookingView['status']} status */
export function statusBadge(status) {
  return badge(label(BOOKING_STATUS, status), STATUS_KIND[status] ?? 'muted');
}

/** @param {BookingView['sms'] | null | undefined} sms */
export function smsBadge(sms) {
  if (!sms) return badge('无', 'muted');
  return badge(label(SMS_STATUS, sms.status), SMS_KIND[sms.status] ?? 'muted');
}

/** "窗口 3 · 09:30-10:00 · 排队号 A012", or what to expect before the allocation.
 *  @param {BookingView} booking */
export function allocationText(booking, center = null) {
  const a = booking.allocation;
  if (a) return `窗口 ${a.desk} · ${a.start}-${a.end} · 排队号 ${a.queue_number}`;
  if (booking.status === 'confirmed') return allocationPromise(center);
  return '无';
}

/** Cancelling is possible while the booking is confirmed (the cutoff allocates it). */
export const canCancel = (/** @type {BookingView} */ booking) => booking.status === 'confirmed';

/** The buttons of one booking: resend SMS, cancel. ``onChange(booking)`` gets the new state.
 *  @param {BookingView} booking
 *  @param {(fresh: BookingView, keepMsg?: boolean) => void} onChange */
export function bookingActions(ctx, booking, msg, onChange) {
  const { api } = ctx;
  const id = encodeURIComponent(booking.id);
  const resend = h('button', {
    type: 'button', class: 'btn btn-secondary btn-small', disabled: !booking.sms?.resend_available,
    title: booking.sms?.resend_available ? '将预约短信重新发送到联系电话（每个预约限 1 次）' : '每个预约只能重发一次短信',
  }, '重发短信');
  resend.addEventListener('click', async () => {
    msg.clear();
    resend.disabled = true;
    try {
      await api.post(`${API}/bookings/${id}/sms-resend`);
      msg.ok(`短信已重新发送到 ${booking.contact_phone}。`);
      /** @type {BookingView | null} */
      let fresh;
      try { fresh = await api.get(`${API}/bookings/${id}`); } catch { fresh = null; }
      onChange(fresh ?? { ...booking, sms: { ...(booking.sms ?? {}), status: 'pending', resend_available: false } }, true);
    } catch (err) {
      msg.error(err);
      resend.disabled = err.code === 'booking.sms_resend_used';
    }
  });
  const cancel = canCancel(booking) ? confirmButton('取消预约', '确认取消整个预约？', async () => {
    msg.clear();
    try {
      /** @type {BookingView} */
      const fresh = await api.post(`${API}/bookings/${id}/cancel`);
      msg.ok('预约已取消。');
      onChange(fresh, true);
    } catch (err) {
      msg.error(err);
    }
  }) : null;
  return h('div', { class: 'actions' }, resend, cancel);
}

/** @param {BookingView} booking */
function bookingCard(ctx, booking) {
  const msg = messageBox();
  const card = h('article', { class: 'card booking', dataset: { id: booking.id } });
  /** @param {BookingView} b @param {boolean} [keepMsg] */
  const draw = (b, keepMsg) => {
    if (!keepMsg) msg.clear();
    const active = (b.enterprises ?? []).filter((e) => e.status !== 'cancelled');
    clear(card,
      h('header', { class: 'booking-head' },
        h('h2', {}, `${formatDay(b.date)} ${periodName(b.period)}`), statusBadge(b.status)),
      h('dl', { class: 'facts' },
        h('dt', {}, '企业'), h('dd', {}, active.length
          ? `${active.map((e) => e.name).join('、')}（${active.length} 家）`
          : '全部已取消'),
        h('dt', {}, '办理安排'), h('dd', { class: b.allocation ? 'alloc' : '' }, allocationText(b)),
        h('dt', {}, '联系人'), h('dd', {}, `${b.contact_name} ${b.contact_phone}`),
        h('dt', {}, '短信'), h('dd', {}, smsBadge(b.sms))),
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-secondary btn-small', href: `#/bookings/${encodeURIComponent(b.id)}` }, '详情'),
        bookingActions(ctx, b, msg, (fresh) => draw(fresh, true))),
      msg);
  };
  draw(booking);
  return card;
}

export async function render(ctx) {
  const { root, api, query } = ctx;
  const today = todayIn();
  const msg = messageBox();
  const from = h('input', { type: 'date', name: 'from', value: query.from || addDays(today, -30) });
  const to = h('input', { type: 'date', name: 'to', value: query.to || addDays(today, 30) });
  const status = h('select', { name: 'status' },
    h('option', { value: '' }, '全部状态'),
    Object.entries(BOOKING_STATUS).map(([value, text]) => h('option', { value, selected: query.status === value }, text)));
  const list = h('div', { class: 'booking-list', id: 'booking-list' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true }, '加载更多');
  let cursor = null;

  async function load(append = false) {
    msg.clear();
    if (from.value && to.value && from.value > to.value) { msg.problems('开始日期不能晚于结束日期。', []); return; }
    if (!append) clear(list, loading());
    /** @type {BookingPage} */
    let answer;
    try {
      answer = await api.get(`${API}/bookings`, {
        query: { from: from.value, to: to.value, status: status.value, cursor: append ? cursor : null },
      });
    } catch (err) {
      if (!append) clear(list);
      msg.error(err);
      return;
    }
    const items = itemsOf(answer);
    cursor = answer?.next_cursor ?? null;
    more.hidden = !cursor;
    if (!append) clear(list);
    if (!items.length && !append) {
      list.append(h('p', { class: 'empty' }, '该时间段内没有预约。'), h('a', { href: '#/book', class: 'btn btn-primary' }, '去预约'));
      return;
    }
    list.append(...items.map((b) => bookingCard(ctx, b)));
  }

  const form = h('form', { class: 'form form-row filter', id: 'booking-filter' },
    h('div', { class: 'field' }, h('label', { for: 'q-from' }, '开始日期'), Object.assign(from, { id: 'q-from' })),
    h('div', { class: 'field' }, h('label', { for: 'q-to' }, '结束日期'), Object.assign(to, { id: 'q-to' })),
    h('div', { class: 'field' }, h('label', { for: 'q-status' }, '状态'), Object.assign(status, { id: 'q-status' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '查询')));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  more.addEventListener('click', () => load(true));

  root.append(pageTitle('预约查询'), h('div', { class: 'card' }, form), msg, list, more);
  await load();
}
